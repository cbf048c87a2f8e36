import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenExpiry } from '../src/limits/token-expiry.ts';

interface S {
  name: string;
  tokenExp: number | undefined;
  state: string;
}

const at = (sec: number): S => ({ name: `s${sec}`, tokenExp: sec, state: 'live' });

describe('TokenExpiry', () => {
  let expired: string[];
  let expiry: TokenExpiry<S>;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    expired = [];
    expiry = new TokenExpiry<S>((s) => expired.push(s.name));
  });
  afterEach(() => {
    expiry.stop();
    vi.useRealTimers();
  });

  it('ends each session at its exp, sessions of one second sharing one timer', () => {
    const a = at(1010);
    const b = { ...at(1010), name: 'b' };
    const c = at(1020);
    for (const s of [a, b, c]) expiry.watch(s);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(9_999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['s1010', 'b']);
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual(['s1010', 'b', 's1020']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets closed sessions and drops a bucket with nobody left', () => {
    const a = at(1010);
    const b = at(1010);
    expiry.watch(a);
    expiry.watch(b);
    expiry.forget(a);
    expect(vi.getTimerCount()).toBe(1);
    b.state = 'closed';
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual([]);
    expiry.forget(at(1030)); // never watched: nothing happens
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows a refresh that moved the expiry, and one that dropped it', () => {
    const moved = at(1010);
    const dropped = { ...at(1010), name: 'dropped' };
    expiry.watch(moved);
    expiry.watch(dropped);
    moved.tokenExp = 1040;
    dropped.tokenExp = undefined;
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(30_000);
    expect(expired).toEqual(['s1010']);
  });

  it('watching again moves a session to its new bucket', () => {
    const s = at(1010);
    expiry.watch(s);
    s.tokenExp = 1005;
    expiry.watch(s);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(expired).toEqual(['s1010']);
  });
});
