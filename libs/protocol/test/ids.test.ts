import { describe, expect, it } from 'vitest';
import { dmConv, dmPeer, parseConv } from '../src/index.ts';

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

  it('names the other user of a DM', () => {
    expect(dmPeer('dm:alice:bob', 'alice')).toBe('bob');
    expect(dmPeer('dm:alice:bob', 'bob')).toBe('alice');
    expect(dmPeer('dm:alice:alice', 'alice')).toBe('alice');
    expect(dmPeer('dm:alice:bob', 'carol')).toBeUndefined();
    expect(dmPeer('room:general', 'alice')).toBeUndefined();
    expect(dmPeer('dm:bob:alice', 'alice')).toBeUndefined();
  });
});
