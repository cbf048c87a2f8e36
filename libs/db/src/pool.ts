import type { Logger } from '@natter/log';
import pg from 'pg';
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface PoolOptions {
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** Where connection trouble is reported (warn); without it, trouble is swallowed, never thrown. */
  log?: Logger;
  /** Shown as `application_name` in pg_stat_activity and in log lines. */
  name?: string;
  /** Where `natter_db_query_seconds` (every query's latency, by pool and outcome) is registered. */
  registry?: Registry;
}

const queryHistograms = new WeakMap<Registry, Histogram<'pool' | 'outcome'>>();

function queryHistogram(registry: Registry): Histogram<'pool' | 'outcome'> {
  let h = queryHistograms.get(registry);
  if (!h) {
    h = new Histogram({
      name: 'natter_db_query_seconds',
      help: 'Postgres query latency, from the client (includes waiting for the connection)',
      labelNames: ['pool', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    queryHistograms.set(registry, h);
  }
  return h;
}

/** The pools each registry's gauges read at scrape time (one process may hold several). */
const poolsOf = new WeakMap<Registry, Map<string, pg.Pool>>();

/**
 * `natter_db_pool_waiting` (queries waiting for a connection: the pool is too small, or
 * Postgres too slow, for the load) and `natter_db_pool_connections` (open and idle), by pool.
 */
function watchPool(registry: Registry, name: string, pool: pg.Pool): void {
  let pools = poolsOf.get(registry);
  if (!pools) {
    const all = new Map<string, pg.Pool>();
    pools = all;
    poolsOf.set(registry, all);
    new Gauge({
      name: 'natter_db_pool_waiting',
      help: 'Queries waiting for a Postgres connection from the pool, by pool',
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        for (const [n, p] of all) this.set({ pool: n }, p.waitingCount);
      },
    });
    new Gauge({
      name: 'natter_db_pool_connections',
      help: 'Postgres connections of the pool by state (open, idle) and the pool size (max), by pool',
      labelNames: ['pool', 'state'],
      registers: [registry],
      collect() {
        for (const [n, p] of all) {
          this.set({ pool: n, state: 'open' }, p.totalCount);
          this.set({ pool: n, state: 'idle' }, p.idleCount);
          this.set({ pool: n, state: 'max' }, p.options.max);
        }
      },
    });
  }
  pools.set(name, pool);
}

/**
 * Times every promise-returning query of a client or of the pool itself (`pool.query` runs
 * its client's query with a callback, so nothing is counted twice).
 */
function timeQueries(target: pg.PoolClient | pg.Pool, h: Histogram<'pool' | 'outcome'>, pool: string): void {
  const query = target.query.bind(target) as (...args: unknown[]) => unknown;
  (target as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      const end = h.startTimer({ pool });
      result.then(
        () => end({ outcome: 'ok' }),
        () => end({ outcome: 'error' }),
      );
    }
    return result;
  };
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
  const histogram = opts.registry ? queryHistogram(opts.registry) : undefined;
  if (opts.registry) watchPool(opts.registry, name, pool);
  if (histogram) timeQueries(pool, histogram, name);
  pool.on('connect', (client) => {
    if (histogram) timeQueries(client, histogram, name);
    // A checked-out client also emits 'error' when its connection drops; the query in flight
    // (when there is one) already rejects with it, so this listener only keeps the event from crashing us.
    client.on('error', (err) => {
      opts.log?.debug({ err, pool: name }, 'Postgres connection of a checked-out client failed');
    });
  });
  return pool;
}
