import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import type { Logger } from '@natter/log';

/** The event log's SQL migrations (node-pg-migrate `NNN_name.sql` files). */
export const EVENTS_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/**
 * Its own bookkeeping table (and so its own advisory lock): history and rooms both write the
 * log and both call this at start; whichever comes first creates it, the other finds it done.
 */
export const EVENTS_MIGRATIONS_TABLE = 'natter_events_migrations';

/** Brings the event log's schema up to date; safe to call from several services at once. */
export function migrateEvents(databaseUrl: string, log: Logger): Promise<void> {
  return migrate({ databaseUrl, dir: EVENTS_MIGRATIONS_DIR, table: EVENTS_MIGRATIONS_TABLE, log });
}
