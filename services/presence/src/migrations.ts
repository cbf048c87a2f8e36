import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

export const PRESENCE_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with the other services. */
export const PRESENCE_MIGRATIONS_TABLE = 'natter_presence_migrations';

/** The event log presence writes user.online/offline into, and its copy bookkeeping. */
export async function migratePresence(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: PRESENCE_MIGRATIONS_DIR, table: PRESENCE_MIGRATIONS_TABLE, log });
}
