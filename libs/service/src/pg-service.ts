import type { Bus } from '@natter/bus';
import { type Config, loadConfig, requireUrls } from '@natter/config';
import { createPool, isConnectionError } from '@natter/db';
import { createLogger, type Logger } from '@natter/log';
import type { Registry } from 'prom-client';
import { BackendHealth } from './backend-health.ts';
import { connectBusFromConfig } from './bus.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { runMain } from './run-main.ts';
import type { RunningService } from './running-service.ts';
import { serveProcess } from './serve-process.ts';

/** What a Postgres service's start() is given when run in a process or in-process (tests, single node). */
export interface PgServiceParts {
  bus: Bus;
  log: Logger;
  /** The service's database, migrated; the caller owns it. */
  pool: ReturnType<typeof createPool>;
  registry?: Registry;
}

/**
 * The health of a service whose one backend is its pool (hooks, push): probed with
 * `SELECT 1`, a lost connection counted as the database being down. Started.
 */
export async function poolHealth(
  what: string,
  parts: Pick<PgServiceParts, 'pool'> & { log: Logger },
  intervalMs: number,
): Promise<BackendHealth> {
  const health = new BackendHealth({
    what,
    log: parts.log,
    probe: () => parts.pool.query('SELECT 1'),
    intervalMs,
    isConnectionError,
  });
  await health.start();
  return health;
}

export interface PgServiceContext {
  config: Config;
  log: Logger;
  pool: ReturnType<typeof createPool>;
  bus: Bus;
  metrics: Metrics;
}

export interface PgServiceOptions {
  /** The process's name: its logs, metrics prefix, bus connection name and pool name. */
  name: string;
  /** `/healthz`, `/readyz` and `/metrics` when HTTP_PORT is unset. */
  defaultPort: number;
  /** Needed besides NATS_URL and DATABASE_URL. */
  requires?: 'REDIS_URL'[];
  /** The service's own migrations, run before anything connects. */
  migrate(databaseUrl: string, log: Logger): Promise<void>;
  /** Connections of the service's pool (default NATTER_DB_POOL_MAX). */
  poolMax?(config: Config): number;
  /** Starts the service on its pool and bus; `close` releases what it opened besides them. */
  start(ctx: PgServiceContext): Promise<{ service: RunningService; close?: () => Promise<void> | void }>;
}

/**
 * The main.ts of a service that keeps its state in Postgres (history, rooms, hooks, push,
 * presence's event-log copy): configuration checked, migrations run, one pool measured in
 * the process's metrics, the bus, then `serveProcess`'s health endpoints and drain. Each
 * main.ts says only what is its own.
 */
export function runPgService(o: PgServiceOptions): void {
  runMain(o.name, async () => {
    const config = loadConfig();
    requireUrls(config, ['NATS_URL', 'DATABASE_URL', ...(o.requires ?? [])]);
    const databaseUrl = config.databaseUrl!;
    const log = createLogger({ name: o.name, level: config.logLevel, format: config.logFormat });
    await o.migrate(databaseUrl, log);
    const metrics = createMetrics(o.name);
    const pool = createPool(databaseUrl, {
      log,
      name: o.name,
      max: o.poolMax?.(config) ?? config.dbPoolMax,
      registry: metrics.registry,
    });
    const bus = await connectBusFromConfig(config, o.name, log);
    const { service, close } = await o.start({ config, log, pool, bus, metrics });
    await serveProcess({
      port: config.httpPort ?? o.defaultPort,
      bus,
      service,
      metrics,
      log,
      close: async () => {
        await close?.();
        await pool.end();
      },
    });
  });
}
