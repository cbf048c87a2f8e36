import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@natter/log';
import { runner } from 'node-pg-migrate';
import { ensureDatabase } from './ensure-database.ts';
import { MigrationError } from './errors.ts';

export interface MigrateOptions {
  databaseUrl: string;
  /** Directory of `NNN_name.sql` files with `-- Up Migration` / `-- Down Migration` sections. */
  dir: string;
  /** The service's own bookkeeping table, e.g. `natter_history_migrations`. */
  table: string;
  log: Logger;
}

const CONNECT_TIMEOUT_MS = 3000;
/** Only `.sql` files are migrations; dotfiles and notes (README.md) beside them are skipped. */
const IGNORE_NON_SQL = '\\..*|.*(?<!\\.sql)';

/**
 * Applies every pending UP migration of one service, all in one transaction.
 *
 * Safe to call from several instances of the same service at once: each waits on a Postgres
 * advisory lock derived from `table`, so exactly one applies and the others then find nothing
 * to do. Services sharing a database use different tables, hence different locks, and never
 * block each other. Throws MigrationError (with `cause`) when the database is unreachable or
 * a migration fails; a failed batch is rolled back whole. A database that does not exist
 * yet is created first (ensureDatabase).
 */
export async function migrate(opts: MigrateOptions): Promise<void> {
  const dir = path.resolve(opts.dir);
  const log = opts.log;
  await ensureDatabase(opts.databaseUrl, log);
  try {
    const applied = await runner({
      databaseUrl: { connectionString: opts.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
      dir,
      ignorePattern: IGNORE_NON_SQL,
      migrationsTable: opts.table,
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      lockValue: lockValueFor(opts.table),
      verbose: true,
      logger: {
        debug: (msg) => log.debug(msg),
        info: (msg) => log.debug(msg),
        warn: (msg) => log.warn(msg),
        error: (msg) => log.debug(msg), // the error itself is thrown and logged by the caller
      },
    });
    if (applied.length > 0) {
      log.info({ table: opts.table, applied: applied.map((m) => m.name) }, 'applied database migrations');
    } else {
      log.debug({ table: opts.table }, 'database schema is up to date');
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MigrationError(`migrating ${opts.table} from ${dir} failed: ${reason}`, { cause: err });
  }
}

/**
 * node-pg-migrate's default lock id is shared by every user of the library, which would make
 * unrelated services queue behind each other; a stable per-table id keeps them apart.
 * 48 bits keeps it an exact JS number and a valid bigint.
 */
export function lockValueFor(table: string): number {
  return createHash('sha256').update(`natter-migrate:${table}`).digest().readUIntBE(0, 6);
}
