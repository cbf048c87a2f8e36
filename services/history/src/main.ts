import { historyConfig, loadConfig, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, runMain, serveProcess } from '@natter/service';
import { batchSizeHistogram } from './metrics.ts';
import { migrateHistory } from './migrations.ts';
import { PgMessageStore } from './pg-store.ts';
import { start } from './start.ts';

runMain('history', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'history', level: config.logLevel, format: config.logFormat });
  await migrateHistory(databaseUrl, log);
  const metrics = createMetrics('history');
  const pool = createPool(databaseUrl, {
    log,
    name: 'history',
    max: config.dbPoolMax,
    registry: metrics.registry,
  });
  const batches = batchSizeHistogram(metrics.registry);
  const store = new PgMessageStore(pool, { onBatch: (size) => batches.observe(size) });
  const bus = await connectBusFromConfig(config, 'history', log);
  const svc = await start(historyConfig(config), { bus, log, store, pool, registry: metrics.registry });
  await serveProcess({
    port: config.httpPort ?? 9103,
    bus,
    service: svc,
    metrics,
    log,
    close: async () => {
      await pool.end();
    },
  });
});
