import { loadConfig, requireUrls } from '@natter/config';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, onShutdown, runMain, startHealthServer } from '@natter/service';
import { createPresenceRedis, redisReady } from './redis-client.ts';
import { RedisPresenceStore } from './redis-store.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9101;

runMain('presence', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'REDIS_URL']);
  const log = createLogger({ name: 'presence', level: config.logLevel });
  const redis = createPresenceRedis(config.redisUrl!, log.child({ module: 'redis' }), {
    commandTimeoutMs: Math.max(100, Math.min(1000, config.requestTimeoutMs / 3)),
  });
  if (!(await redisReady(redis, 5000)))
    log.warn('redis not reachable yet; starting unready, retrying every second');
  const bus = await connectBusFromConfig(config, 'presence', log);
  const metrics = createMetrics('presence');
  const store = new RedisPresenceStore(redis, { namespace: config.namespace });
  const svc = await start(config, { bus, log, store, registry: metrics.registry });
  const health = await startHealthServer({
    port: config.httpPort ?? DEFAULT_HTTP_PORT,
    checks: { bus: () => bus.ready, service: () => svc.ready() },
    registry: metrics.registry,
    log,
  });
  onShutdown(log, async () => {
    // Drain the bus first: its subscriptions stop at the server and every request already
    // routed here is still handled and answered (unsubscribing first dropped those).
    await bus.drain();
    await svc.stop();
    await health.close();
    redis.disconnect();
  });
});
