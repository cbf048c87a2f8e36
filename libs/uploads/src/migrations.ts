import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import type { Logger } from '@natter/log';

/** The uploads table's SQL migrations (node-pg-migrate `NNN_name.sql` files). */
export const UPLOADS_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with history and rooms. */
export const UPLOADS_MIGRATIONS_TABLE = 'natter_uploads_migrations';

/** Brings the uploads schema up to date; safe to call from several gateways at once. */
export function migrateUploads(databaseUrl: string, log: Logger): Promise<void> {
  return migrate({ databaseUrl, dir: UPLOADS_MIGRATIONS_DIR, table: UPLOADS_MIGRATIONS_TABLE, log });
}
