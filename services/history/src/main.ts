import { historyConfig } from '@natter/config';
import { batchSizeHistogram, migrateMessages, PgMessageStore } from '@natter/messages';
import { runPgService } from '@natter/service';
import { start } from './start.ts';

runPgService({
  name: 'history',
  defaultPort: 9103,
  migrate: migrateMessages,
  start: async ({ config, log, pool, bus, metrics }) => {
    const batches = batchSizeHistogram(metrics.registry);
    const store = new PgMessageStore(pool, { onBatch: (size) => batches.observe(size) });
    return {
      service: await start(historyConfig(config), { bus, log, store, pool, registry: metrics.registry }),
    };
  },
});
