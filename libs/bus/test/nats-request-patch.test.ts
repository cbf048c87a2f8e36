import { RequestOne } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { REQUEST_PATCH_APPLIED } from '../src/nats-request-patch.ts';

/** The nats.js request patch (src/nats-request-patch.ts) is in effect and does what it says. */
describe('nats.js request patch', () => {
  const mux = {
    cancels: 0,
    cancel() {
      this.cancels++;
    },
  };
  const make = () => {
    const rejected: unknown[] = [];
    const r = new RequestOne(mux as never, 'subject', { timeout: 60_000 }, false) as unknown as {
      deferred: { reject(e: unknown): void; then: Promise<unknown>['then'] };
      resolver(err: Error | null, msg: unknown): void;
      cancel(err?: Error): void;
    };
    const reject = r.deferred.reject.bind(r.deferred);
    r.deferred.reject = (e) => {
      rejected.push(e);
      reject(e);
    };
    r.deferred.then(
      () => {},
      () => {},
    );
    return { r, rejected };
  };

  it('is applied to this nats.js', () => {
    expect(REQUEST_PATCH_APPLIED).toBe(true);
  });

  it('builds no "cancelled" error for a request that got its reply', () => {
    const { r, rejected } = make();
    const before = mux.cancels;
    r.resolver(null, { data: new Uint8Array() });
    expect(rejected).toEqual([]);
    expect(mux.cancels).toBe(before + 1);
  });

  it('still rejects a request cancelled before its reply', () => {
    const { r, rejected } = make();
    r.cancel();
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as Error).message).toBe('cancelled');
  });
});
