import type { Logger } from '@natter/log';
import { createRedis } from '@natter/service';
import type { Redis } from 'ioredis';

/**
 * The per-user `send` limit, over all of a user's connections: at most `perMinute` sends
 * in each fixed one-minute window. `take` counts one send and resolves 0 when it is
 * allowed, else the milliseconds until the next window opens.
 *
 * A limiter never blocks sends because its own backend is down: it falls back to counting
 * on its own gateway (and says so in the log), since refusing every message is worse than
 * a missed limit.
 */
export interface UserSendLimit {
  take(user: string, now?: number): Promise<number>;
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;

/** One gateway's own count: the limit is per gateway (no REDIS_URL). */
export class MemoryUserSendLimit implements UserSendLimit {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  async take(user: string, now = Date.now()): Promise<number> {
    const w = Math.floor(now / WINDOW_MS);
    if (w !== this.window) {
      // Only the current window matters: forgetting the old one bounds the map.
      this.counts.clear();
      this.window = w;
    }
    const n = (this.counts.get(user) ?? 0) + 1;
    this.counts.set(user, n);
    return n <= this.perMinute ? 0 : (w + 1) * WINDOW_MS - now;
  }

  async close(): Promise<void> {}
}

// INCRBY and set the expiry in one step, so a key never outlives its window.
const INCR_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

const FLUSH_MS = 100;

interface Count {
  /** The window's total over every gateway, as Redis last answered. */
  known: number;
  /** Counted here and on the way to Redis. */
  inflight: number;
  /** Counted here, not sent yet. */
  pending: number;
}

/**
 * One count per user and window in Redis, so the limit holds across every gateway; but
 * never a Redis round trip on a send's path. Sends are counted locally and the counts are
 * flushed within 100 ms in one pipeline, which answers each key's total over all gateways.
 * A send is allowed while (total last seen + counted here since) stays within the limit, so
 * one gateway's own sends are limited exactly and other gateways' sends are seen within
 * 100 ms of its next send. The flush timer runs only while something is counted and not
 * sent: an idle gateway has no timer here (ten wake-ups a second otherwise, bench/README.md).
 */
export class RedisUserSendLimit implements UserSendLimit {
  private lastWarn = 0;
  private readonly counts = new Map<string, Count>();
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly perMinute: number,
    private readonly log: Logger,
  ) {}

  /** A flush in FLUSH_MS, unless one is already due. */
  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  async take(user: string, now = Date.now()): Promise<number> {
    const w = Math.floor(now / WINDOW_MS);
    const key = `${this.namespace}:ratelimit:send:${user}:${w}`;
    let c = this.counts.get(key);
    if (!c) {
      c = { known: 0, inflight: 0, pending: 0 };
      this.counts.set(key, c);
    }
    if (c.known + c.inflight + c.pending >= this.perMinute) return (w + 1) * WINDOW_MS - now;
    c.pending++;
    this.schedule();
    return 0;
  }

  /** Sends what was counted since the last flush; forgets windows that are over. */
  private async flush(now = Date.now()): Promise<void> {
    if (this.flushing) {
      this.schedule();
      return;
    }
    const current = `:${Math.floor(now / WINDOW_MS)}`;
    const batch: [string, Count, number][] = [];
    for (const [key, c] of this.counts) {
      if (!key.endsWith(current) && c.pending === 0 && c.inflight === 0) this.counts.delete(key);
      else if (c.pending > 0) batch.push([key, c, c.pending]);
    }
    if (batch.length === 0) return;
    this.flushing = true;
    let retry = false;
    const pipe = this.redis.pipeline();
    for (const [key, c, n] of batch) {
      c.inflight += n;
      c.pending -= n;
      pipe.eval(INCR_SCRIPT, 1, key, String(WINDOW_MS * 2), String(n));
    }
    try {
      const replies = (await pipe.exec()) ?? [];
      batch.forEach(([, c, n], k) => {
        c.inflight -= n;
        const [err, total] = replies[k] ?? [new Error('no reply')];
        if (err) {
          c.pending += n; // counted again at the next flush
          retry = true;
        } else c.known = Math.max(c.known, Number(total));
      });
    } catch (err) {
      // Keep counting here; Redis gets these at the first flush after it returns.
      for (const [, c, n] of batch) {
        c.inflight -= n;
        c.pending += n;
      }
      retry = true;
      if (now - this.lastWarn > 10_000) {
        this.lastWarn = now;
        this.log.warn(
          { err },
          'per-user send limit cannot reach Redis; counting on this gateway only until it returns',
        );
      }
    } finally {
      this.flushing = false;
    }
    // What Redis did not take goes in the next flush (what was counted meanwhile scheduled its own).
    if (retry) this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.flush().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** Redis when the gateway has REDIS_URL, else this gateway's own count. */
export function userSendLimit(opts: {
  redisUrl?: string;
  namespace: string;
  perMinute: number;
  log: Logger;
}): UserSendLimit {
  if (!opts.redisUrl) return new MemoryUserSendLimit(opts.perMinute);
  const log = opts.log.child({ module: 'user-send-limit' });
  const redis = createRedis(opts.redisUrl, log, { commandTimeoutMs: 500 });
  return new RedisUserSendLimit(redis, opts.namespace, opts.perMinute, log);
}
