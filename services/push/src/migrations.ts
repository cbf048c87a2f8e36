import { fileURLToPath } from 'node:url';
import { migrate } from '@natter/db';
import { migrateEvents } from '@natter/events';
import type { Logger } from '@natter/log';

export const PUSH_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** Its own bookkeeping table, so it shares a database with history, rooms and hooks. */
export const PUSH_MIGRATIONS_TABLE = 'natter_push_migrations';

/** Devices, levels and pending pushes, and the event log they are decided from. */
export async function migratePush(databaseUrl: string, log: Logger): Promise<void> {
  await migrateEvents(databaseUrl, log);
  await migrate({ databaseUrl, dir: PUSH_MIGRATIONS_DIR, table: PUSH_MIGRATIONS_TABLE, log });
}
