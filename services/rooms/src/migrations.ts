import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import type { Logger } from '@natter/log';

/** The rooms service's SQL migrations (node-pg-migrate `NNN_name.sql` files). */
export const ROOMS_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with history without stepping on it. */
export const ROOMS_MIGRATIONS_TABLE = 'natter_rooms_migrations';

/** Brings the rooms schema up to date; safe to call from several instances at once. */
export function migrateRooms(databaseUrl: string, log: Logger): Promise<void> {
  return migrate({ databaseUrl, dir: ROOMS_MIGRATIONS_DIR, table: ROOMS_MIGRATIONS_TABLE, log });
}
