import { roomsConfig } from '@natter/config';
import { runPgService } from '@natter/service';
import { migrateRooms } from './migrations.ts';
import { PgRoomStore } from './pg-store.ts';
import { start } from './start.ts';

runPgService({
  name: 'rooms',
  defaultPort: 9102,
  migrate: migrateRooms,
  start: async ({ config, log, pool, bus, metrics }) => ({
    service: await start(roomsConfig(config), {
      bus,
      log,
      store: new PgRoomStore(pool),
      registry: metrics.registry,
    }),
  }),
});
