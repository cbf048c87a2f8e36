import type { Logger } from '@natter/log';
import pg from 'pg';
import { MigrationError } from './errors.ts';

const CONNECT_TIMEOUT_MS = 3000;
const INVALID_CATALOG = '3D000'; // the database named in the URL does not exist
// Another service created it a moment ago: 42P04 when its CREATE had committed, 23505 (the
// catalog's unique index) when both ran at once.
const CREATED_BY_ANOTHER = new Set(['42P04', '23505']);

/**
 * Creates the database DATABASE_URL names when it does not exist yet, so a first start of
 * the services needs no `createdb`. It connects to the server's `postgres` database with the
 * same credentials to do so; a role without CREATEDB gets a MigrationError that says the one
 * command an operator runs instead. Any other connection failure is left to the caller's
 * own connect, which reports it as it always has.
 */
export async function ensureDatabase(databaseUrl: string, log: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_CATALOG) return;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    log.info({ database: name }, `created the database ${name} (DATABASE_URL named one that did not exist)`);
  } catch (err) {
    if (CREATED_BY_ANOTHER.has((err as { code?: string }).code ?? '')) return;
    const user = decodeURIComponent(url.username) || 'postgres';
    const command = `createdb -h ${url.hostname} -p ${url.port || '5432'} -U ${user} ${name}`;
    throw new MigrationError(
      `the database ${JSON.stringify(name)} of DATABASE_URL does not exist and could not be created ` +
        `(${err instanceof Error ? err.message : String(err)}); create it with: ${command}`,
      { cause: err },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
}
