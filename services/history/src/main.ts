import { historyConfig } from '@natter/config';
import { runPgService } from '@natter/service';
import { batchSizeHistogram } from './metrics.ts';
import { migrateHistory } from './migrations.ts';
import { PgMessageStore } from './pg-store.ts';
import { start } from './start.ts';

runPgService({
  name: 'history',
  defaultPort: 9103,
  migrate: migrateHistory,
  start: async ({ config, log, pool, bus, metrics }) => {
    const batches = batchSizeHistogram(metrics.registry);
    const store = new PgMessageStore(pool, { onBatch: (size) => batches.observe(size) });
    return {
      service: await start(historyConfig(config), { bus, log, store, pool, registry: metrics.registry }),
    };
  },
});
