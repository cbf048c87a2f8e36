import type { Logger } from '@natter/log';
import { Redis } from 'ioredis';

/**
 * The per-user `send` limit, over all of a user's connections: at most `perMinute` sends
 * in each fixed one-minute window. `take` counts one send and resolves 0 when it is
 * allowed, else the milliseconds until the next window opens.
 *
 * A limiter never blocks sends because its own backend is down: it fails open (and says
 * so in the log), since refusing every message is worse than a missed limit.
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

// INCR and set the expiry in one step, so a key never outlives its window.
const INCR_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** One count per user and window in Redis: the limit holds across every gateway. */
export class RedisUserSendLimit implements UserSendLimit {
  private lastWarn = 0;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly perMinute: number,
    private readonly log: Logger,
  ) {}

  async take(user: string, now = Date.now()): Promise<number> {
    const w = Math.floor(now / WINDOW_MS);
    const key = `${this.namespace}:ratelimit:send:${user}:${w}`;
    let n: number;
    try {
      n = Number(await this.redis.eval(INCR_SCRIPT, 1, key, String(WINDOW_MS * 2)));
    } catch (err) {
      if (now - this.lastWarn > 10_000) {
        this.lastWarn = now;
        this.log.warn(
          { err },
          'per-user send limit unavailable (Redis); sends are not limited per user until it returns',
        );
      }
      return 0;
    }
    return n <= this.perMinute ? 0 : (w + 1) * WINDOW_MS - now;
  }

  async close(): Promise<void> {
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
  const redis = new Redis(opts.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', (err) => log.debug({ err }, 'redis connection error; reconnecting'));
  return new RedisUserSendLimit(redis, opts.namespace, opts.perMinute, log);
}
