import { loadConfig, pushConfig, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, runMain, serveProcess } from '@natter/service';
import { migratePush } from './migrations.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9105;

runMain('push', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'push', level: config.logLevel, format: config.logFormat });
  await migratePush(databaseUrl, log);
  const metrics = createMetrics('push');
  // The lease holds one connection; the decision and the RPCs share the rest.
  const pool = createPool(databaseUrl, {
    log,
    name: 'push',
    registry: metrics.registry,
    max: config.dbPoolMax + 1,
  });
  const bus = await connectBusFromConfig(config, 'push', log);
  const svc = await start(pushConfig(config), { bus, log, pool, registry: metrics.registry });
  await serveProcess({
    port: config.httpPort ?? DEFAULT_HTTP_PORT,
    bus,
    service: svc,
    metrics,
    log,
    close: async () => {
      await pool.end();
    },
  });
});
