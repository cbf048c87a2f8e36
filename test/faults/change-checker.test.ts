import { describe, expect, it } from 'vitest';
import { type AckedChange, type ChangedMessage, checkChanges, checkExactVers } from './change-checker.ts';

const C = 'room:fa';
const edit = (seq: number, text: string, ver: number, issuedAt = ver): AckedChange => ({
  op: 'edit',
  user: 'u00',
  conv: C,
  seq,
  text,
  ver,
  issuedAt,
});
const react = (seq: number, user: string, emoji: string, ver: number): AckedChange => ({
  op: 'react',
  user,
  conv: C,
  seq,
  emoji,
  ver,
  issuedAt: ver,
});
const history = (...msgs: Omit<ChangedMessage, 'conv'>[]) =>
  new Map([[C, msgs.map((m) => ({ conv: C, ...m }))]]);

describe('the change checker', () => {
  it('passes what history shows once: the last edit, each reactor listed once, vers exact', () => {
    const acked = [edit(1, 'a', 3), edit(1, 'b', 4), react(1, 'u01', '👍', 5), react(2, 'u02', '🎉', 6)];
    const h = history(
      { seq: 1, ver: 5, text: 'b', reactions: [{ emoji: '👍', count: 1, users: ['u01'] }] },
      { seq: 2, ver: 6, text: 'x', reactions: [{ emoji: '🎉', count: 1, users: ['u02'] }] },
    );
    expect(checkChanges(acked, h)).toEqual({ changes: 4, wrong: 0, problems: [] });
    expect(checkExactVers(acked, new Set(), h)).toMatchObject({ changes: 2, wrong: 0 });
  });

  it('finds a lost edit, a lost or doubled reaction, a stale ver and a change applied twice', () => {
    const acked = [
      edit(1, 'b', 4),
      react(1, 'u01', '👍', 5),
      react(2, 'u02', '🎉', 6),
      react(3, 'u03', '👀', 7),
    ];
    const h = history(
      { seq: 1, ver: 3, text: 'a' },
      { seq: 2, ver: 6, reactions: [{ emoji: '🎉', count: 2, users: ['u02', 'u02'] }] },
      { seq: 3, ver: 8, reactions: [{ emoji: '👀', count: 1, users: ['u03'] }] },
    );
    const r = checkChanges(acked, h);
    // seq 1: text, ver, reaction missing; seq 2: listed twice.
    expect(r.wrong).toBe(4);
    expect(r.problems.join('\n')).toMatch(/history has "a", the last acknowledged edit "b"/);
    expect(checkExactVers(acked, new Set(), h).problems.join('\n')).toMatch(/room:fa#3: ver 8/);
    // A message with a change still unsettled is not held to an exact ver.
    expect(checkExactVers(acked, new Set(['room:fa#3']), h).problems.join('\n')).not.toMatch(/#3/);
  });

  it('counts a change of a message that is gone as wrong', () => {
    expect(checkChanges([edit(9, 'z', 10)], history()).wrong).toBe(1);
  });
});
