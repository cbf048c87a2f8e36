import { loadConfig, presenceConfig, requireUrls } from '@natter/config';
import { createLogger } from '@natter/log';
import {
  connectBusFromConfig,
  createMetrics,
  createRedis,
  redisReady,
  runMain,
  serveProcess,
} from '@natter/service';
import { RedisPresenceStore } from './redis-store.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9101;

runMain('presence', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'REDIS_URL']);
  const log = createLogger({ name: 'presence', level: config.logLevel, format: config.logFormat });
  const redis = createRedis(config.redisUrl!, log.child({ module: 'redis' }), {
    commandTimeoutMs: Math.max(100, Math.min(1000, config.requestTimeoutMs / 3)),
  });
  if (!(await redisReady(redis, 5000)))
    log.warn('redis not reachable yet; starting unready, retrying every second');
  const bus = await connectBusFromConfig(config, 'presence', log);
  const metrics = createMetrics('presence');
  const store = new RedisPresenceStore(redis, { namespace: config.namespace });
  const svc = await start(presenceConfig(config), { bus, log, store, registry: metrics.registry });
  await serveProcess({
    port: config.httpPort ?? DEFAULT_HTTP_PORT,
    bus,
    service: svc,
    metrics,
    log,
    close: () => redis.disconnect(),
  });
});
