import * as protocol from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { convOf } from '../src/conv-of.ts';
import { dmConv, dmUsers, ROOM_RE, USER_RE } from '../src/ids.ts';

describe('the CLI’s copy of the identifier rules', () => {
  it('matches @natter/protocol', () => {
    expect(USER_RE.source).toBe(protocol.USER_RE.source);
    expect(ROOM_RE.source).toBe(protocol.ROOM_RE.source);
    for (const [a, b] of [
      ['alice', 'bob'],
      ['bob', 'alice'],
      ['Zed', 'amy'],
      ['x', 'x'],
    ]) {
      expect(dmConv(a, b)).toBe(protocol.dmConv(a, b));
    }
    for (const conv of ['dm:alice:bob', 'dm:bob:alice', 'dm:a', 'dm:a:b:c', 'room:x', 'dm:a b:c']) {
      expect(dmUsers(conv) !== undefined).toBe(protocol.parseConv(conv)?.kind === 'dm');
    }
  });

  it('names the conversation of a command-line target for a user', () => {
    expect(convOf({ kind: 'room', room: 'general' }, 'alice')).toBe('room:general');
    expect(convOf({ kind: 'user', user: 'alice' }, 'bob')).toBe('dm:alice:bob');
    expect(convOf({ kind: 'dm', conv: 'dm:alice:bob' }, 'bob')).toBe('dm:alice:bob');
    expect(convOf({ kind: 'dm', conv: 'dm:alice:bob' }, 'carol')).toBeUndefined();
  });
});
