import { TokenBucket } from './token-bucket.ts';

const SWEEP_EVERY_MS = 30_000;

/**
 * A token bucket per client address, for the HTTP API: every request takes a token, and an
 * address past its bucket waits. Buckets that have refilled are dropped (a full bucket is a
 * new one), so the map holds only addresses active in the last `burst / perSec` seconds.
 */
export class AddressRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep = 0;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
  ) {}

  /** 0 when the request may go on, else the milliseconds until the address has a token. */
  take(address: string, now = Date.now()): number {
    if (now - this.lastSweep > SWEEP_EVERY_MS) this.sweep(now);
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.perSec, this.burst, now);
      this.buckets.set(address, bucket);
    }
    return bucket.take(now);
  }

  /** Addresses with a bucket (tests, metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [address, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(address);
  }
}
