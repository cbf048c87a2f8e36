import { gatewayConfig, loadConfig, requireAuthChoice, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, onShutdown, runMain } from '@natter/service';
import { migrateUploads, PgUploadStore } from '@natter/uploads';
import { start } from './start.ts';
import { chooseWebDir, logWebDir } from './web-dir.ts';

runMain('gateway', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL']);
  // A gateway on its own is open only when asked: a forgotten key must not mean "anyone is anyone".
  requireAuthChoice(config);
  const log = createLogger({ name: 'gateway', level: config.logLevel, format: config.logFormat });
  const bus = await connectBusFromConfig(config, 'gateway', log);
  const metrics = createMetrics('gateway');
  // Uploads live in Postgres, shared by every gateway; without DATABASE_URL they answer 503.
  if (config.databaseUrl) await migrateUploads(config.databaseUrl, log);
  const pool = config.databaseUrl
    ? createPool(config.databaseUrl, { log, name: 'natter-gateway', max: 5, registry: metrics.registry })
    : undefined;
  const uploads = pool ? new PgUploadStore(pool) : undefined;
  const web = chooseWebDir(config.webDir);
  const gw = await start(gatewayConfig(config), {
    bus,
    log,
    registry: metrics.registry,
    webDir: web.dir,
    uploads,
  });
  logWebDir(web, log);
  onShutdown(log, async () => {
    await gw.stop();
    await bus.drain();
    await pool?.end();
  });
});
