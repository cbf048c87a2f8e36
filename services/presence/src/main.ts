import { loadConfig, presenceConfig, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import {
  connectBusFromConfig,
  createMetrics,
  createRedis,
  redisReady,
  runMain,
  serveProcess,
} from '@natter/service';
import { migratePresence } from './migrations.ts';
import { RedisPresenceStore } from './redis-store.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9101;

runMain('presence', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'REDIS_URL', 'DATABASE_URL']);
  const log = createLogger({ name: 'presence', level: config.logLevel, format: config.logFormat });
  const redis = createRedis(config.redisUrl!, log.child({ module: 'redis' }), {
    commandTimeoutMs: Math.max(100, Math.min(1000, config.requestTimeoutMs / 3)),
  });
  if (!(await redisReady(redis, 5000)))
    log.warn('redis not reachable yet; starting unready, retrying every second');
  await migratePresence(config.databaseUrl!, log);
  const bus = await connectBusFromConfig(config, 'presence', log);
  const metrics = createMetrics('presence');
  // user.online/offline go into the event log from here (transition-log.ts): a small pool.
  const pool = createPool(config.databaseUrl!, { log, name: 'presence', max: 2, registry: metrics.registry });
  const store = new RedisPresenceStore(redis, { namespace: config.namespace });
  const svc = await start(presenceConfig(config), { bus, log, store, pool, registry: metrics.registry });
  await serveProcess({
    port: config.httpPort ?? DEFAULT_HTTP_PORT,
    bus,
    service: svc,
    metrics,
    log,
    close: async () => {
      redis.disconnect();
      await pool.end();
    },
  });
});
