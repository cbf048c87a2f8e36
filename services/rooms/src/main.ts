import { loadConfig, requireUrls } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, onShutdown, runMain, startHealthServer } from '@natter/service';
import { migrateRooms } from './migrations.ts';
import { PgRoomStore } from './pg-store.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9102;

runMain('rooms', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'rooms', level: config.logLevel });
  await migrateRooms(databaseUrl, log);
  const pool = createPool(databaseUrl, { log, name: 'natter-rooms' });
  const bus = await connectBusFromConfig(config, 'rooms', log);
  const metrics = createMetrics('rooms');
  const svc = await start(config, { bus, log, store: new PgRoomStore(pool), registry: metrics.registry });
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
    await pool.end();
  });
});
