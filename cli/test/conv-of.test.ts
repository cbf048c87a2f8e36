import { describe, expect, it } from 'vitest';
import { convOf } from '../src/conv-of.ts';

describe('convOf', () => {
  it('names the conversation of a command-line target for a user', () => {
    expect(convOf({ kind: 'room', room: 'general' }, 'alice')).toBe('room:general');
    expect(convOf({ kind: 'user', user: 'alice' }, 'bob')).toBe('dm:alice:bob');
    expect(convOf({ kind: 'dm', conv: 'dm:alice:bob' }, 'bob')).toBe('dm:alice:bob');
    expect(convOf({ kind: 'dm', conv: 'dm:alice:bob' }, 'carol')).toBeUndefined();
  });
});
