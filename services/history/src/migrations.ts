import { fileURLToPath } from 'node:url';

/** The service's SQL migrations (node-pg-migrate files), for `migrate` from @natter/db. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The service's own migration bookkeeping table. */
export const MIGRATIONS_TABLE = 'natter_history_migrations';
