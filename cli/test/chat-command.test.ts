import { describe, expect, it } from 'vitest';
import { parseChatLine } from '../src/chat/chat-command.ts';
import { TypingThrottle } from '../src/chat/typing-throttle.ts';

describe('parseChatLine', () => {
  it('sends plain lines as typed, and //text as /text', () => {
    expect(parseChatLine('hello there ')).toEqual({ kind: 'say', text: 'hello there ' });
    expect(parseChatLine('//shrug')).toEqual({ kind: 'say', text: '/shrug' });
    expect(parseChatLine('   ')).toEqual({ kind: 'nothing' });
  });

  it('understands every command, with sigils and aliases', () => {
    expect(parseChatLine('/join general')).toEqual({ kind: 'join', room: 'general' });
    expect(parseChatLine('/join #general')).toEqual({ kind: 'join', room: 'general' });
    expect(parseChatLine('/leave')).toEqual({ kind: 'leave' });
    expect(parseChatLine('/leave ops')).toEqual({ kind: 'leave', room: 'ops' });
    expect(parseChatLine('/dm @bob')).toEqual({ kind: 'dm', user: 'bob' });
    expect(parseChatLine('/room general')).toEqual({ kind: 'room', room: 'general' });
    expect(parseChatLine('/rooms')).toEqual({ kind: 'rooms' });
    expect(parseChatLine('/who')).toEqual({ kind: 'who' });
    expect(parseChatLine('/history')).toEqual({ kind: 'history', limit: 20 });
    expect(parseChatLine('/history 5')).toEqual({ kind: 'history', limit: 5 });
    expect(parseChatLine('/create ops --private')).toEqual({ kind: 'create', room: 'ops', private: true });
    expect(parseChatLine('/create --private ops')).toEqual({ kind: 'create', room: 'ops', private: true });
    expect(parseChatLine('/create ops')).toEqual({ kind: 'create', room: 'ops', private: false });
    expect(parseChatLine('/invite carol')).toEqual({ kind: 'invite', user: 'carol' });
    expect(parseChatLine('/invites')).toEqual({ kind: 'invites' });
    expect(parseChatLine('/decline secret')).toEqual({ kind: 'decline', room: 'secret' });
    expect(parseChatLine('/decline')).toMatchObject({ kind: 'invalid' });
    expect(parseChatLine('/help')).toEqual({ kind: 'help' });
    expect(parseChatLine('/QUIT')).toEqual({ kind: 'quit' });
  });

  it('explains what is wrong', () => {
    expect(parseChatLine('/join')).toEqual({ kind: 'invalid', message: '/join needs a room name' });
    expect(parseChatLine('/join Not_A_Room')).toMatchObject({
      kind: 'invalid',
      message: /is not a room name/,
    });
    expect(parseChatLine('/dm bob smith')).toMatchObject({ kind: 'invalid', message: /too many/ });
    expect(parseChatLine('/dm no:colons')).toMatchObject({ kind: 'invalid', message: /not a user name/ });
    expect(parseChatLine('/history 0')).toMatchObject({ kind: 'invalid' });
    expect(parseChatLine('/history 201')).toMatchObject({ kind: 'invalid' });
    expect(parseChatLine('/history x')).toMatchObject({ kind: 'invalid' });
    expect(parseChatLine('/create a b')).toMatchObject({ kind: 'invalid' });
    expect(parseChatLine('/frob')).toMatchObject({ kind: 'invalid', message: /unknown command \/frob/ });
  });
});

describe('TypingThrottle', () => {
  it('allows one notification per target every 3 s, and again at once after a send', () => {
    let now = 0;
    const t = new TypingThrottle(3000, () => now);
    expect(t.due('room:a')).toBe(true);
    now = 1000;
    expect(t.due('room:a')).toBe(false);
    now = 2999;
    expect(t.due('room:a')).toBe(false);
    now = 3000;
    expect(t.due('room:a')).toBe(true);
    // Another conversation is new typing.
    expect(t.due('user:bob')).toBe(true);
    now = 3500;
    t.reset();
    expect(t.due('user:bob')).toBe(true);
    expect(t.due('user:bob')).toBe(false);
  });
});

describe('parseChatLine: the lifecycle commands', () => {
  it('takes a seq (as [n] too) and keeps the text as typed', () => {
    expect(parseChatLine('/reply 5 sure,  why not')).toEqual({
      kind: 'reply',
      seq: 5,
      text: 'sure,  why not',
    });
    expect(parseChatLine('/edit [7] fixed')).toEqual({ kind: 'edit', seq: 7, text: 'fixed' });
    expect(parseChatLine('/delete 3')).toEqual({ kind: 'delete', seq: 3 });
    expect(parseChatLine('/react 3 👍')).toEqual({ kind: 'react', seq: 3, emoji: '👍' });
    expect(parseChatLine('/pin 3')).toEqual({ kind: 'pin', seq: 3 });
    expect(parseChatLine('/pins')).toEqual({ kind: 'pins' });
    expect(parseChatLine('/thread [12]')).toEqual({ kind: 'thread', seq: 12 });
    expect(parseChatLine('/del 3')).toEqual({ kind: 'delete', seq: 3 });
  });

  it('refuses a missing or bad seq, a missing text and extra words', () => {
    for (const line of [
      '/reply',
      '/reply 5',
      '/reply x hi',
      '/edit 0 hi',
      '/delete',
      '/delete 1 2',
      '/react 1',
      '/react 1 👍 👎',
      '/pin -1',
      '/pins 2',
      '/thread',
      '/thread 0',
      '/thread 1 hi',
    ])
      expect(parseChatLine(line).kind, line).toBe('invalid');
  });
});
