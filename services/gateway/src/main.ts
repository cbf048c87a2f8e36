import { gatewayConfig, historyConfig, loadConfig, requireAuthChoice, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { migrateMessages, startLocalLog } from '@natter/messages';
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
  // A gateway serves no queue group: its own publishes (DMs, typing) reach its own sessions
  // in process, without waking it again from the socket.
  const bus = await connectBusFromConfig(config, 'gateway', log, { localEcho: true });
  const metrics = createMetrics('gateway');
  // Uploads live in Postgres, shared by every gateway; without DATABASE_URL they answer 503.
  // With it the gateway also appends its sessions' DMs and reads their pages itself (history's
  // handlers, on history's schema: whichever process starts first migrates it, under
  // node-pg-migrate's lock).
  if (config.databaseUrl) {
    await migrateUploads(config.databaseUrl, log);
    await migrateMessages(config.databaseUrl, log);
  }
  const pool = config.databaseUrl
    ? createPool(config.databaseUrl, { log, name: 'natter-gateway', max: 5, registry: metrics.registry })
    : undefined;
  const uploads = pool ? new PgUploadStore(pool) : undefined;
  const messageLog = pool
    ? await startLocalLog(historyConfig(config), { bus, log, pool, registry: metrics.registry })
    : undefined;
  const web = chooseWebDir(config.webDir);
  const gw = await start(gatewayConfig(config), {
    bus,
    log,
    registry: metrics.registry,
    webDir: web.dir,
    uploads,
    messageLog,
  });
  logWebDir(web, log);
  onShutdown(log, async () => {
    await gw.stop();
    await messageLog?.stop();
    await bus.drain();
    await pool?.end();
  });
});
