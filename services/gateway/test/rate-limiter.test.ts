import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AddressRateLimit } from '../src/limits/address-rate.ts';
import { clientAddress } from '../src/limits/connections.ts';
import { RateLimiter } from '../src/limits/rate-limiter.ts';
import { TokenBucket, WindowCounter } from '../src/limits/token-bucket.ts';
import { MemoryUserSendLimit } from '../src/limits/user-sends.ts';

describe('TokenBucket', () => {
  it('gives its burst at once, then refills at its rate, and says how long to wait', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(100);
    expect(b.take(50)).toBe(50);
    expect(b.take(100)).toBe(0);
    // Never more than the burst, however long it waited.
    const later = 1_000_000;
    expect([b.take(later), b.take(later), b.take(later), b.take(later)]).toEqual([0, 0, 0, 100]);
  });
});

describe('WindowCounter', () => {
  it('fires when `limit` events fall within the window, not when they are spread out', () => {
    const w = new WindowCounter(3, 1000);
    expect([w.hit(0), w.hit(600), w.hit(1200)]).toEqual([false, false, false]);
    expect(w.hit(1500)).toBe(true); // 600, 1200, 1500
  });
});

describe('RateLimiter', () => {
  const opts = {
    requestsPerSec: 1,
    requestsBurst: 100,
    sendsPerSec: 1,
    sendsBurst: 2,
    typingPerSec: 1,
    typingBurst: 1,
    abuseRejections: 3,
    abuseWindowMs: 10_000,
  };

  it('limits send on its own bucket, keeps connections apart, and turns repeated rejections into abuse', () => {
    const rl = new RateLimiter(opts);
    const a = {};
    const b = {};
    expect(rl.check(a, 'send', true, 0).kind).toBe('ok');
    expect(rl.check(a, 'send', true, 0).kind).toBe('ok');
    const v = rl.check(a, 'send', true, 0);
    expect(v).toMatchObject({ kind: 'limited', bucket: 'send' });
    if (v.kind === 'limited')
      expect(v.error.toBody()).toMatchObject({ code: 'rate_limited', retryAfter: 1000 });
    expect(rl.check(a, 'ping', true, 0).kind).toBe('ok');
    expect(rl.check(b, 'send', true, 0).kind).toBe('ok');
    expect(rl.check(a, 'send', true, 1).kind).toBe('limited');
    expect(rl.check(a, 'send', true, 2).kind).toBe('abusive');
  });

  it('drops typing without id silently and does not count it as abuse', () => {
    const rl = new RateLimiter(opts);
    const c = {};
    expect(rl.check(c, 'typing', false, 0).kind).toBe('ok');
    for (let i = 0; i < 10; i++) expect(rl.check(c, 'typing', false, 0).kind).toBe('drop');
    expect(rl.check(c, 'typing', true, 0).kind).toBe('limited');
  });
});

describe('clientAddress', () => {
  const req = (xff: string | undefined) =>
    ({
      socket: { remoteAddress: '10.9.9.9' },
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    }) as unknown as IncomingMessage;

  it('uses the peer unless told to trust proxies, and then only the entries they appended', () => {
    expect(clientAddress(req('1.2.3.4'), 0)).toBe('10.9.9.9');
    expect(clientAddress(req('6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientAddress(req('6.6.6.6, 1.2.3.4, 10.0.0.2'), 2)).toBe('1.2.3.4');
    expect(clientAddress(req(undefined), 1)).toBe('10.9.9.9');
  });
});

describe('MemoryUserSendLimit', () => {
  it('counts per user per minute and names the wait until the next minute', async () => {
    const l = new MemoryUserSendLimit(2);
    expect(await l.take('a', 60_000)).toBe(0);
    expect(await l.take('a', 60_100)).toBe(0);
    expect(await l.take('a', 60_200)).toBe(59_800);
    expect(await l.take('b', 60_200)).toBe(0);
    expect(await l.take('a', 120_000)).toBe(0);
  });
});

describe('AddressRateLimit', () => {
  it('gives each address its own bucket and forgets the ones that refilled', () => {
    const limit = new AddressRateLimit(10, 3);
    const t = 1_000_000;
    expect([limit.take('a', t), limit.take('a', t), limit.take('a', t)]).toEqual([0, 0, 0]);
    expect(limit.take('a', t)).toBe(100);
    expect(limit.take('b', t)).toBe(0);
    expect(limit.size).toBe(2);
    // Past the sweep period both have refilled: a new request finds a fresh map.
    expect(limit.take('c', t + 60_000)).toBe(0);
    expect(limit.size).toBe(1);
  });
});
