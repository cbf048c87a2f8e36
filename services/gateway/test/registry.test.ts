import { describe, expect, it } from 'vitest';
import { Delivery } from '../src/cursor.ts';
import { Registry } from '../src/registry.ts';
import { Session } from '../src/session.ts';

function session(id: string, user: string): Session {
  const ws = { readyState: 1, OPEN: 1, send() {}, close() {} } as never;
  const s = new Session(id, ws, '', { maxBufferedBytes: 1e9, maxPendingEvents: 100, onSlow: () => {} });
  s.user = user;
  s.state = 'live';
  return s;
}

function registry() {
  const interest: string[] = [];
  const users: string[] = [];
  const r = new Registry({
    room: (room, on) => interest.push(`${on ? '+' : '-'}${room}`),
    user: (user, on) => users.push(`${on ? '+' : '-'}${user}`),
  });
  return { r, interest, users };
}

describe('Registry: membership only as confirmed, newest version wins', () => {
  it('a joined that arrives after the left that followed it changes nothing', () => {
    const { r, interest } = registry();
    const s = session('s1', 'alice');
    r.addSession(s);
    expect(r.applyMembership('alice', 'vault', true, 3)).toBe(true);
    expect(r.applyMembership('alice', 'vault', false, 5)).toBe(true);
    expect(r.applyMembership('alice', 'vault', true, 4)).toBe(false);
    expect(r.isMember('alice', 'vault')).toBe(false);
    expect([...r.sessionsInRoom('vault')]).toEqual([]);
    expect(interest).toEqual(['+vault', '-vault']);
    // A newer join is a real one.
    expect(r.applyMembership('alice', 'vault', true, 6)).toBe(true);
    expect([...r.sessionsInRoom('vault')]).toEqual([s]);
  });

  it('leaving clears what every session of the user holds of the room', () => {
    const { r } = registry();
    const a = session('s1', 'alice');
    const b = session('s2', 'alice');
    r.addSession(a);
    r.addSession(b);
    r.applyMembership('alice', 'vault', true, 1);
    for (const s of [a, b]) {
      s.cursor('room:vault').ver = 40;
      s.cursor('room:vault').markOwn(41);
      s.hold(new Delivery('room:vault', 42, {}));
      s.cursor('room:other').ver = 7;
    }
    r.applyMembership('alice', 'vault', false, 2);
    for (const s of [a, b]) {
      expect(s.cursorOf('room:vault')).toBeUndefined();
      expect(s.pending).toEqual([]);
      expect(s.cursorOf('room:other')?.ver).toBe(7);
    }
  });

  it('a join in flight holds the subject without making anyone a member', () => {
    const { r, interest } = registry();
    r.addSession(session('s1', 'mallory'));
    r.beginJoin('vault');
    expect(interest).toEqual(['+vault']);
    expect([...r.sessionsInRoom('vault')]).toEqual([]);
    r.beginJoin('vault');
    r.endJoin('vault');
    expect(interest).toEqual(['+vault']);
    r.endJoin('vault');
    expect(interest).toEqual(['+vault', '-vault']);
    // A confirmed join keeps the subject after the join ends.
    r.beginJoin('vault');
    r.applyMembership('mallory', 'vault', true, 9);
    r.endJoin('vault');
    expect(interest).toEqual(['+vault', '-vault', '+vault']);
    expect(r.isMember('mallory', 'vault')).toBe(true);
  });

  it('tracks only users with sessions here, and forgets them with their last session', () => {
    const { r, users } = registry();
    expect(r.applyMembership('ghost', 'vault', true, 1)).toBe(false);
    const s = session('s1', 'alice');
    const t = session('s2', 'alice');
    r.addSession(s);
    r.addSession(t);
    r.removeSession(t);
    // The user's subject: from the first session to the last.
    expect(users).toEqual(['+alice']);
    r.applyMembership('alice', 'vault', true, 1);
    expect([...r.memberships()]).toEqual([{ room: 'vault', user: 'alice' }]);
    r.removeSession(s);
    expect(users).toEqual(['+alice', '-alice']);
    expect(r.knows('alice', 'vault')).toBe(false);
    expect([...r.memberships()]).toEqual([]);
  });

  it('remembers at most 1000 left rooms per user, forgetting the oldest', () => {
    const { r } = registry();
    r.addSession(session('s1', 'alice'));
    for (let i = 0; i < 1005; i++) r.applyMembership('alice', `r${i}`, false, 1);
    expect(r.knows('alice', 'r0')).toBe(false);
    expect(r.knows('alice', 'r1004')).toBe(true);
  });
});
