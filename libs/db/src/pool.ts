import type { Logger } from '@natter/log';
import pg from 'pg';

export interface PoolOptions {
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** Where connection trouble is reported (warn); without it, trouble is swallowed, never thrown. */
  log?: Logger;
  /** Shown as `application_name` in pg_stat_activity and in log lines. */
  name?: string;
}

/** A down database must fail a request within seconds, not hang it for the OS TCP timeout. */
const CONNECT_TIMEOUT_MS = 3000;
const IDLE_TIMEOUT_MS = 10_000;

/**
 * A pg.Pool that never crashes the process on a lost connection. pg emits 'error' on idle
 * clients (and on checked-out clients between queries) when the server goes away; an
 * unhandled 'error' event would kill the service, so both get a listener here.
 */
export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const name = opts.name ?? 'natter';
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: name,
  });
  pool.on('error', (err) => {
    opts.log?.warn(
      { err, pool: name },
      'idle Postgres connection failed; it was dropped and the pool opens a new one on next use',
    );
  });
  pool.on('connect', (client) => {
    // A checked-out client also emits 'error' when its connection drops; the query in flight
    // (if any) already rejects with it, so this listener only keeps the event from crashing us.
    client.on('error', (err) => {
      opts.log?.debug({ err, pool: name }, 'Postgres connection of a checked-out client failed');
    });
  });
  return pool;
}
