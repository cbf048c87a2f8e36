/** Reconnect delays: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  /** The cap of the first delay (attempt 0), in ms. */
  initialDelayMs: number;
  /** The largest cap any attempt reaches, in ms. */
  maxDelayMs: number;
  /**
   * After an open session ends without a `bye` (its gateway died, the network went), the
   * first reconnect waits uniformly in [0, dropSpreadMs): everyone that gateway held comes
   * back spread out instead of in one wave. A `bye` with `spreadMs` overrides it.
   */
  dropSpreadMs?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  dropSpreadMs: 3000,
};

/** Beyond this, 2^attempt only makes the cap larger than maxDelayMs anyway. */
const MAX_EXPONENT = 30;

/** The upper bound of the delay before retry number `attempt` (0-based). */
export function backoffCap(attempt: number, opts: BackoffOptions): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  return Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** exp);
}

/**
 * The delay before retry number `attempt`: uniform in [0, cap) ("full jitter", AWS
 * architecture blog), so a crowd of clients dropped by one gateway does not come back in
 * one wave. `random` is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCap(attempt, opts));
}
