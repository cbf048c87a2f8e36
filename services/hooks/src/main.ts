import { hooksConfig, loadConfig, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, runMain, serveProcess } from '@natter/service';
import { migrateHooks } from './migrations.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9104;

runMain('hooks', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'hooks', level: config.logLevel, format: config.logFormat });
  await migrateHooks(databaseUrl, log);
  const metrics = createMetrics('hooks');
  // One connection per leased URL holds its lock, plus the queries.
  const pool = createPool(databaseUrl, {
    log,
    name: 'hooks',
    registry: metrics.registry,
    max: config.webhookUrls.length + 5,
  });
  const bus = await connectBusFromConfig(config, 'hooks', log);
  const svc = await start(hooksConfig(config), { bus, log, pool, registry: metrics.registry });
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
