/**
 * A token bucket: `burst` tokens at most, refilled at `perSec` a second. Time is passed in
 * (milliseconds) so that tests and callers holding a clock read it once per frame.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token: 0 when it was there, else how many ms until one will be. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSec));
  }

  /** Whether it has refilled to its burst: a full bucket is the same as a new one. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSec) / 1000);
    this.last = now;
  }
}

/**
 * Counts events in a sliding window: `hit` says whether `limit` of them fell within
 * `windowMs`. It keeps the last `limit` times only, so its cost is bounded per connection.
 */
export class WindowCounter {
  private readonly times: number[];
  private next = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Array<number>(limit).fill(0);
  }

  /** Records one event at `now`; true when this makes `limit` events within the window. */
  hit(now: number): boolean {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    this.count = Math.min(this.count + 1, this.limit);
    // `next` now points at the oldest of the last `limit` events.
    return this.count === this.limit && now - this.times[this.next] <= this.windowMs;
  }
}
