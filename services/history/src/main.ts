import { loadConfig, requireUrls } from '@natter/config';
import { createPool, migrate } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, onShutdown, runMain, startHealthServer } from '@natter/service';
import { batchSizeHistogram } from './metrics.ts';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE } from './migrations.ts';
import { PgMessageStore } from './pg-store.ts';
import { start } from './start.ts';

runMain('history', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'history', level: config.logLevel });
  await migrate({ databaseUrl, dir: MIGRATIONS_DIR, table: MIGRATIONS_TABLE, log });
  const pool = createPool(databaseUrl, { log, name: 'history' });
  const metrics = createMetrics('history');
  const batches = batchSizeHistogram(metrics.registry);
  const store = new PgMessageStore(pool, { onBatch: (size) => batches.observe(size) });
  const bus = await connectBusFromConfig(config, 'history', log);
  const svc = await start(config, { bus, log, store, registry: metrics.registry });
  const health = await startHealthServer({
    port: config.httpPort ?? 9103,
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
    await pool.end();
  });
});
