import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newCid } from '../src/cid.ts';
import { Emitter } from '../src/emitter.ts';
import { NatterClientError } from '../src/errors.ts';
import { SeqTracker } from '../src/seq-tracker.ts';
import { targetOf } from '../src/targets.ts';
import { decodeJwtTimes, refreshDelayMs } from '../src/token.ts';
import type { WebSocketConstructor } from '../src/websocket.ts';
import { fakeJwt } from './fake-server.ts';

describe('SeqTracker', () => {
  it('accepts only seqs above the highest, per conversation', () => {
    const t = new SeqTracker({ 'room:a': 5 });
    expect([4, 5, 6, 6, 8, 7].map((s) => t.accept('room:a', s))).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(t.accept('room:b', 1)).toBe(true);
    expect(t.since()).toEqual({ 'room:a': 8, 'room:b': 1 });
    t.advance('room:a', 3);
    expect(t.get('room:a')).toBe(8);
  });
});

describe('SeqTracker own sends', () => {
  it('advances on an own seq right after the highest, remembers one further on and steps over it', () => {
    const t = new SeqTracker();
    t.own('dm:a:b', 1);
    expect(t.get('dm:a:b')).toBe(1);
    t.own('dm:a:b', 3);
    t.own('dm:a:b', 4);
    expect(t.get('dm:a:b')).toBe(1);
    expect(t.accept('dm:a:b', 2)).toBe(true); // someone else's: then 3 and 4 are ours, had
    expect(t.get('dm:a:b')).toBe(4);
    expect(t.accept('dm:a:b', 3)).toBe(false);
    t.own('dm:a:b', 7);
    // A replay that skips nothing: 5 and 6 new, 7 ours (not news), 8 new.
    expect([5, 6, 7, 8].map((s) => t.accept('dm:a:b', s))).toEqual([true, true, false, true]);
    t.own('dm:a:b', 2); // a late result below the highest changes nothing
    expect(t.since()).toEqual({ 'dm:a:b': 8 });
  });
});

describe('Emitter', () => {
  it('calls listeners in order, supports once and unsubscribe, isolates a throwing listener', () => {
    const errors: unknown[] = [];
    const e = new Emitter<{ n: number; done: undefined }>((err) => errors.push(err));
    const seen: string[] = [];
    const off = e.on('n', (n) => seen.push(`a${n}`));
    e.once('n', (n) => seen.push(`once${n}`));
    e.on('n', () => {
      throw new Error('listener bug');
    });
    e.on('n', (n) => seen.push(`b${n}`));
    e.emit('n', 1);
    off();
    e.emit('n', 2);
    expect(seen).toEqual(['a1', 'once1', 'b1', 'b2']);
    expect(errors).toMatchObject([{ message: 'listener bug' }, { message: 'listener bug' }]);
    expect(e.listenerCount('done')).toBe(0);
  });
});

describe('NatterClientError', () => {
  it('carries code, message, retryAfter and temporary from a server error body', () => {
    const e = NatterClientError.fromBody(
      { code: 'rate_limited', message: 'slow down', retryAfter: 1500 },
      'send',
    );
    expect(e).toMatchObject({
      code: 'rate_limited',
      message: 'slow down',
      retryAfter: 1500,
      temporary: true,
      op: 'send',
    });
    expect(NatterClientError.fromBody({ code: 'forbidden', message: 'no' }).temporary).toBe(false);
    expect(NatterClientError.fromBody({ code: 'weird' }).code).toBe('internal');
  });
});

describe('tokens', () => {
  it('reads exp and iat without verifying, and refreshes at 80% of the lifetime', () => {
    const token = fakeJwt({ sub: 'alice', iat: 1000, exp: 2000 });
    expect(decodeJwtTimes(token)).toEqual({ exp: 2000, iat: 1000 });
    expect(refreshDelayMs(token, 1_000_000)).toBe(800_000);
    expect(refreshDelayMs(fakeJwt({ exp: 2000 }), 1_000_000)).toBe(800_000); // no iat: from now
    expect(refreshDelayMs(token, 2_500_000)).toBe(1000); // overdue: soon, but not in a loop
    expect(refreshDelayMs('not-a-jwt')).toBeUndefined();
    expect(refreshDelayMs(fakeJwt({ sub: 'x' }))).toBeUndefined();
  });
});

describe('targets and cids', () => {
  it('maps a conversation to the target that reaches it', () => {
    expect(targetOf('room:general', 'alice')).toBe('room:general');
    expect(targetOf('dm:alice:bob', 'alice')).toBe('user:bob');
    expect(targetOf('dm:alice:bob', 'bob')).toBe('user:alice');
    expect(targetOf('dm:alice:alice', 'alice')).toBe('user:alice');
    expect(targetOf('dm:alice:bob', 'carol')).toBeUndefined();
  });

  it('makes distinct cids within the protocol length', () => {
    const cids = new Set(Array.from({ length: 100 }, newCid));
    expect(cids.size).toBe(100);
    for (const c of cids) expect(c.length).toBeLessThanOrEqual(64);
  });
});

describe('WebSocketConstructor', () => {
  it('fits the ws package and the browser WebSocket (checked by tsc)', () => {
    const fromWs: WebSocketConstructor = WebSocket;
    const browserFits: typeof globalThis.WebSocket extends WebSocketConstructor ? true : false = true;
    expect(typeof fromWs).toBe('function');
    expect(browserFits).toBe(true);
  });
});
