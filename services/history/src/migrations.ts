import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

/** The service's SQL migrations (node-pg-migrate files), for `migrate` from @natter/db. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The service's own migration bookkeeping table. */
export const MIGRATIONS_TABLE = 'natter_history_migrations';

/**
 * Brings history's schema and the event log it writes (libs/events, its own migrations)
 * up to date; safe to call from several instances at once.
 */
export async function migrateHistory(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: MIGRATIONS_DIR, table: MIGRATIONS_TABLE, log });
}
