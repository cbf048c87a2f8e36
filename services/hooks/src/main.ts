import { hooksConfig } from '@natter/config';
import { runPgService } from '@natter/service';
import { migrateHooks } from './migrations.ts';
import { start } from './start.ts';

runPgService({
  name: 'hooks',
  defaultPort: 9104,
  migrate: migrateHooks,
  // One connection per leased URL holds its lock, plus the queries.
  poolMax: (config) => config.webhookUrls.length + 5,
  start: async ({ config, log, pool, bus, metrics }) => ({
    service: await start(hooksConfig(config), { bus, log, pool, registry: metrics.registry }),
  }),
});
