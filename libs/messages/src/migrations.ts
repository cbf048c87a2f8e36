import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

/** The message log's SQL migrations (node-pg-migrate files), for `migrate` from @natter/db. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Their bookkeeping table (named when history alone wrote these tables; kept for deployed databases). */
export const MIGRATIONS_TABLE = 'natter_history_migrations';

/**
 * Brings the message log's schema and the event log its appends write (libs/events, its own migrations)
 * up to date; safe to call from several instances at once.
 */
export async function migrateMessages(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: MIGRATIONS_DIR, table: MIGRATIONS_TABLE, log });
}
