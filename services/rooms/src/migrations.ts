import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

/** The rooms service's SQL migrations (node-pg-migrate `NNN_name.sql` files). */
export const ROOMS_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with history without stepping on it. */
export const ROOMS_MIGRATIONS_TABLE = 'natter_rooms_migrations';

/**
 * Brings the rooms schema and the event log it writes (libs/events, its own migrations) up
 * to date; safe to call from several instances at once.
 */
export async function migrateRooms(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: ROOMS_MIGRATIONS_DIR, table: ROOMS_MIGRATIONS_TABLE, log });
}
