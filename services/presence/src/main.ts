import { presenceConfig } from '@natter/config';
import { createRedis, redisReady, runPgService } from '@natter/service';
import { migratePresence } from './migrations.ts';
import { RedisPresenceStore } from './redis-store.ts';
import { start } from './start.ts';

runPgService({
  name: 'presence',
  defaultPort: 9101,
  requires: ['REDIS_URL'],
  migrate: migratePresence,
  // Presence's state is in Redis; Postgres only takes user.online/offline into the event
  // log (transition-log.ts): a small pool.
  poolMax: () => 2,
  start: async ({ config, log, pool, bus, metrics }) => {
    const redis = createRedis(config.redisUrl!, log.child({ module: 'redis' }), {
      commandTimeoutMs: Math.max(100, Math.min(1000, config.requestTimeoutMs / 3)),
    });
    if (!(await redisReady(redis, 5000)))
      log.warn('redis not reachable yet; starting unready, retrying every second');
    const store = new RedisPresenceStore(redis, { namespace: config.namespace });
    return {
      service: await start(presenceConfig(config), { bus, log, store, pool, registry: metrics.registry }),
      close: () => redis.disconnect(),
    };
  },
});
