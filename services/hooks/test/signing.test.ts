import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { giveUpAfterMs, retryDelayMs } from '../src/backoff.ts';
import { Signer } from '../src/signing.ts';

describe('webhook signing', () => {
  it("matches the Standard Webhooks specification's test vector", () => {
    // libraries/python/tests/test_webhooks.py (test_sign_function) in
    // github.com/standard-webhooks/standard-webhooks.
    const signer = new Signer('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const h = signer.headers(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '{"test": 2432232314}',
      new Date(1614265330 * 1000),
    );
    expect(h).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('verifies with the library on the receiving side, and not with another secret or body', () => {
    const secret = `whsec_${Buffer.from('a-secret-of-at-least-24-bytes!!').toString('base64')}`;
    const body = JSON.stringify({ id: 'evt_1', type: 'member.joined', data: { room: 'r', user: 'u' } });
    const headers = new Signer(secret).headers('evt_1', body);
    expect(new Webhook(secret).verify(body, { ...headers })).toMatchObject({ id: 'evt_1' });
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
    const other = `whsec_${Buffer.from('another-secret-of-24-bytes!!!!!').toString('base64')}`;
    expect(() => new Webhook(other).verify(body, { ...headers })).toThrow();
  });
});

describe('retry schedule', () => {
  it('is about 5 s, 30 s, 2 min, 10 min, 1 h, then hourly, for 24 h, at the default base', () => {
    expect([1, 2, 3, 4, 5, 6, 30].map((n) => retryDelayMs(n, 5000) / 1000)).toEqual([
      5, 30, 120, 600, 3600, 3600, 3600,
    ]);
    expect(giveUpAfterMs(5000)).toBe(24 * 3600 * 1000);
    // Scales with the base (tests).
    expect(retryDelayMs(2, 20)).toBe(120);
  });
});
