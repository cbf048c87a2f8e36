import type { Logger } from '@natter/log';
import { Redis } from 'ioredis';

export interface RedisOptions {
  /** A command with no answer after this long fails (a hung or partitioned Redis). */
  commandTimeoutMs?: number;
}

/**
 * The one way a service opens Redis: a client that fails fast while Redis is down. No
 * offline queue (a command while disconnected rejects at once), one retry of a command cut
 * off by a disconnect, a command timeout, and reconnection forever every second at most,
 * so the service recovers by itself when Redis returns. Connection errors are logged at
 * debug only: the caller's health tracking logs the outage once.
 */
export function createRedis(url: string, log: Logger, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', (err) => log.debug({ err }, 'redis connection error; reconnecting'));
  redis.on('ready', () => log.info('redis connected'));
  return redis;
}

/** Resolves when the client is connected, or after `ms` (the service then starts unready). */
export async function redisReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}
