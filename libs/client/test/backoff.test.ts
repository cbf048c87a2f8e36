import { describe, expect, it } from 'vitest';
import { backoffCap, backoffDelay } from '../src/backoff.ts';
import { ReconnectPolicy } from '../src/reconnect-policy.ts';

const opts = { initialDelayMs: 250, maxDelayMs: 10_000, dropSpreadMs: 3000 };

describe('backoffDelay', () => {
  it('grows exponentially from initialDelayMs and stops at maxDelayMs', () => {
    const caps = [0, 1, 2, 3, 4, 5, 6, 7, 100].map((a) => backoffCap(a, opts));
    expect(caps).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('has full jitter: anywhere from 0 up to (not including) the cap', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, opts, () => 0.999_999)).toBe(1999);
    expect(backoffDelay(50, opts, () => 0.999_999)).toBe(9999);
  });

  it('spreads real random delays over the whole range', () => {
    const samples = Array.from({ length: 4000 }, () => backoffDelay(2, opts));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(1000);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(400);
    expect(mean).toBeLessThan(600);
    expect(samples.filter((s) => s < 250).length).toBeGreaterThan(600); // not bunched at the top
    expect(samples.filter((s) => s >= 750).length).toBeGreaterThan(600);
  });
});

describe('ReconnectPolicy', () => {
  const facts = { code: 1006, canRenewToken: true, authRetry: false };
  const top = () => 0.999_999;

  it('backs off further after each failure in a row', () => {
    const p = new ReconnectPolicy(opts, top);
    const delays = [1, 2, 3, 4].map(() => {
      const d = p.afterClose(facts);
      return d.reconnect ? d.delayMs : -1;
    });
    expect(delays).toEqual([249, 499, 999, 1999]);
  });

  it('starts over after a session that lasted, but not after a penalty close code', () => {
    const p = new ReconnectPolicy(opts, top);
    for (let i = 0; i < 4; i++) p.afterClose(facts);
    expect(p.afterClose({ ...facts, code: 4000, openForMs: 60_000 })).toEqual({
      reconnect: true,
      delayMs: 3999,
    });
    // A session that lasted and then dropped without bye: spread over dropSpreadMs.
    expect(p.afterClose({ ...facts, openForMs: 60_000 })).toEqual({ reconnect: true, delayMs: 2999 });
    expect(p.afterClose(facts)).toEqual({ reconnect: true, delayMs: 499 });
  });

  it('reconnects soon after bye with reconnect:true or 4010', () => {
    const p = new ReconnectPolicy(opts, top);
    for (let i = 0; i < 5; i++) p.afterClose(facts);
    expect(p.afterClose({ ...facts, bye: { reason: 'draining', reconnect: true } })).toEqual({
      reconnect: true,
      delayMs: 249,
    });
    expect(p.afterClose({ ...facts, code: 4010 })).toEqual({ reconnect: true, delayMs: 249 });
  });

  it('gives up on 4001 with a fixed token, and on bye with reconnect:false', () => {
    const p = new ReconnectPolicy(opts, top);
    const a = p.afterClose({ ...facts, code: 4001, canRenewToken: false });
    expect(a.reconnect === false && a.error.code).toBe('unauthenticated');
    const b = p.afterClose({ ...facts, bye: { reason: 'banned', reconnect: false } });
    expect(b.reconnect === false && b.error.code).toBe('closed');
    expect(p.afterClose({ ...facts, code: 4001 }).reconnect).toBe(true); // a token hook can renew it
  });

  it("spreads a draining gateway's clients over the bye's spreadMs, capped at a minute", () => {
    const p = new ReconnectPolicy(opts, top);
    const bye = { reason: 'draining', reconnect: true, spreadMs: 20_000 };
    expect(p.afterClose({ ...facts, code: 4010, bye })).toEqual({ reconnect: true, delayMs: 19_999 });
    const huge = { ...bye, spreadMs: 10_000_000 };
    expect(p.afterClose({ ...facts, code: 4010, bye: huge })).toEqual({ reconnect: true, delayMs: 59_999 });
    const real = new ReconnectPolicy(opts);
    const delays = Array.from({ length: 2000 }, () => {
      const d = real.afterClose({ ...facts, code: 4010, bye });
      return d.reconnect ? d.delayMs : -1;
    });
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(20_000);
    // Uniform: each quarter of the window gets about a quarter of the clients.
    for (let q = 0; q < 4; q++) {
      const n = delays.filter((d) => d >= q * 5000 && d < (q + 1) * 5000).length;
      expect(n).toBeGreaterThan(400);
      expect(n).toBeLessThan(600);
    }
  });

  it('waits at least retryAfter after a refused hello, plus up to as much again', () => {
    const low = new ReconnectPolicy(opts, () => 0);
    expect(low.afterClose({ ...facts, code: 1000, retryAfterMs: 1500 })).toEqual({
      reconnect: true,
      delayMs: 1500,
    });
    const high = new ReconnectPolicy(opts, top);
    expect(high.afterClose({ ...facts, code: 1000, retryAfterMs: 1500 })).toEqual({
      reconnect: true,
      delayMs: 2999,
    });
    // The backoff still grows underneath: once it passes retryAfter, it wins.
    for (let i = 0; i < 6; i++) high.afterClose(facts);
    const d = high.afterClose({ ...facts, code: 1000, retryAfterMs: 1500 });
    expect(d.reconnect && d.delayMs).toBeGreaterThan(9000);
  });

  it('after a drop without bye, spreads even a fresh client over dropSpreadMs', () => {
    const real = new ReconnectPolicy(opts);
    const delays = Array.from({ length: 2000 }, () => {
      const d = new ReconnectPolicy(opts).afterClose({ ...facts, openForMs: 60_000 });
      return d.reconnect ? d.delayMs : -1;
    });
    expect(Math.max(...delays)).toBeLessThan(3000);
    expect(delays.filter((d) => d >= 1500).length).toBeGreaterThan(800);
    expect(real.afterClose({ ...facts, openForMs: 60_000, code: 4009 }).reconnect).toBe(true);
  });
});
