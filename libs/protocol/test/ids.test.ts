import { describe, expect, it } from 'vitest';
import { dmConv, dmPeer, parseConv, parseSendTarget, parseTarget, threadConv } from '../src/index.ts';

describe('conversation ids', () => {
  it('orders the users of a DM', () => {
    expect(dmConv('bob', 'alice')).toBe('dm:alice:bob');
    expect(dmConv('Zed', 'amy')).toBe('dm:Zed:amy');
    expect(dmConv('x', 'x')).toBe('dm:x:x');
  });

  it('parses only well-formed ids', () => {
    expect(parseConv('room:general')).toEqual({ kind: 'room', room: 'general' });
    expect(parseConv('dm:alice:bob')).toEqual({ kind: 'dm', users: ['alice', 'bob'] });
    for (const bad of ['dm:bob:alice', 'dm:a', 'dm:a:b:c', 'dm:a b:c', 'room:Bad', 'user:alice']) {
      expect(parseConv(bad)).toBeUndefined();
    }
  });

  it('parses a thread as its parent with the root, and refuses nested ones', () => {
    expect(parseConv('thread:room:general:57')).toEqual({
      kind: 'room',
      room: 'general',
      thread: { parent: 'room:general', seq: 57 },
    });
    expect(parseConv('thread:dm:alice:bob:12')).toEqual({
      kind: 'dm',
      users: ['alice', 'bob'],
      thread: { parent: 'dm:alice:bob', seq: 12 },
    });
    expect(threadConv('room:general', 57)).toBe('thread:room:general:57');
    for (const bad of [
      'thread:thread:room:general:57:1',
      'thread:room:general:0',
      'thread:room:general:01',
      'thread:room:general:',
      'thread:room:general:1234567890123456',
      'thread:dm:bob:alice:1',
      'thread:user:alice:1',
      'thread:room:general',
    ]) {
      expect(parseConv(bad)).toBeUndefined();
    }
    expect(parseSendTarget('thread:room:general:57')).toEqual({
      kind: 'thread',
      conv: 'thread:room:general:57',
    });
    expect(parseSendTarget('thread:thread:room:general:57:1')).toBeUndefined();
    expect(parseTarget('thread:room:general:57')).toBeUndefined();
    expect(dmPeer('thread:dm:alice:bob:12', 'alice')).toBeUndefined();
  });

  it('names the other user of a DM', () => {
    expect(dmPeer('dm:alice:bob', 'alice')).toBe('bob');
    expect(dmPeer('dm:alice:bob', 'bob')).toBe('alice');
    expect(dmPeer('dm:alice:alice', 'alice')).toBe('alice');
    expect(dmPeer('dm:alice:bob', 'carol')).toBeUndefined();
    expect(dmPeer('room:general', 'alice')).toBeUndefined();
    expect(dmPeer('dm:bob:alice', 'alice')).toBeUndefined();
  });
});
