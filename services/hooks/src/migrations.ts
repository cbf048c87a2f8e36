import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

export const HOOKS_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with history and rooms. */
export const HOOKS_MIGRATIONS_TABLE = 'natter_hooks_migrations';

/** The delivery state's schema and the event log it reads; safe from several instances at once. */
export async function migrateHooks(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: HOOKS_MIGRATIONS_DIR, table: HOOKS_MIGRATIONS_TABLE, log });
}
