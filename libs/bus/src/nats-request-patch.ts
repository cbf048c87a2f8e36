import { RequestOne } from '@nats-io/nats-core/internal';

/**
 * nats.js 3.4 ends every request that got its reply with `cancel()`, which rejects the
 * request's already-settled promise with `new RequestError("cancelled")`: an Error, with its
 * stack captured, for every successful request, thrown away at once (a settled promise
 * ignores the rejection). On the gateway that was ~5% of its CPU in the DM benchmark. This
 * makes `cancel()` build the error only when the promise is still pending, i.e. when a
 * request really is cancelled before its reply. Applied once, when this module is loaded;
 * libs/bus/test/nats-request-patch.test.ts fails if a nats.js upgrade changes the shape it relies on.
 */
interface PatchableRequest {
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  deferred: { reject(err: unknown): void };
  settled?: boolean;
  resolver(err: Error | null, msg: unknown): void;
  cancel(err?: Error): void;
}

const proto = RequestOne.prototype as unknown as PatchableRequest & { natterPatched?: boolean };

export const REQUEST_PATCH_APPLIED = (() => {
  if (proto.natterPatched) return true;
  const { resolver, cancel } = proto;
  if (typeof resolver !== 'function' || typeof cancel !== 'function') return false;
  proto.resolver = function (this: PatchableRequest, err, msg) {
    this.settled = true;
    resolver.call(this, err, msg);
  };
  proto.cancel = function (this: PatchableRequest, err?: Error) {
    if (!this.settled) return cancel.call(this, err);
    this.timer?.cancel();
    this.mux.cancel(this);
  };
  proto.natterPatched = true;
  return true;
})();
