import { loadConfig, requireUrls, roomsConfig } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, runMain, serveProcess } from '@natter/service';
import { migrateRooms } from './migrations.ts';
import { PgRoomStore } from './pg-store.ts';
import { start } from './start.ts';

const DEFAULT_HTTP_PORT = 9102;

runMain('rooms', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL', 'DATABASE_URL']);
  const databaseUrl = config.databaseUrl!;
  const log = createLogger({ name: 'rooms', level: config.logLevel, format: config.logFormat });
  await migrateRooms(databaseUrl, log);
  const metrics = createMetrics('rooms');
  const pool = createPool(databaseUrl, {
    log,
    name: 'natter-rooms',
    max: config.dbPoolMax,
    registry: metrics.registry,
  });
  const bus = await connectBusFromConfig(config, 'rooms', log);
  const svc = await start(roomsConfig(config), {
    bus,
    log,
    store: new PgRoomStore(pool),
    registry: metrics.registry,
  });
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
