import { pushConfig } from '@natter/config';
import { runPgService } from '@natter/service';
import { migratePush } from './migrations.ts';
import { start } from './start.ts';

runPgService({
  name: 'push',
  defaultPort: 9105,
  migrate: migratePush,
  // The lease holds one connection; the decision and the RPCs share the rest.
  poolMax: (config) => config.dbPoolMax + 1,
  start: async ({ config, log, pool, bus, metrics }) => ({
    service: await start(pushConfig(config), { bus, log, pool, registry: metrics.registry }),
  }),
});
