import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedPostgresHandle, isProcessAlive, startEmbeddedPostgres } from '@natter/db';
import { createLogger } from '@natter/log';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { type Tracked, track, untrack } from './registry.ts';
import { waitFor } from './wait-for.ts';

export interface PostgresOptions {
  /** A free port by default. */
  port?: number;
}

export interface PostgresHandle {
  /** Superuser url of the `natter` database. */
  url: string;
  port: number;
  /**
   * SIGKILLs the postmaster (pid from postmaster.pid) and its backends, as when the database
   * host dies; resolves once they are all gone. Open connections drop at once.
   */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (crash recovery after kill()); stops it first if running. */
  restart(): Promise<void>;
  /** Stops it and removes its temp data dir. Idempotent. */
  stop(): Promise<void>;
  /** Creates an empty database (a random `t_...` name by default) and returns its url. */
  createDatabase(name?: string): Promise<string>;
}

const RESTART_TIMEOUT_MS = 30_000;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A throwaway Postgres for one test file: its own temp data dir and port, started through
 * @natter/db's embedded Postgres (so the same code path as single-node mode). fsync is off:
 * that only risks data on an OS crash, never on the process kills tests do.
 */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresHandle> {
  const tempDir = await mkdtemp(path.join(tmpdir(), 'natter-pg-'));
  // Postgres runs as the `postgres` user under root and must be able to walk into it.
  await chmod(tempDir, 0o755);
  const dataDir = path.join(tempDir, 'data');
  const port = opts.port ?? (await freePort());
  const log = createLogger({
    name: `testkit-postgres:${port}`,
    level: process.env.TESTKIT_LOG_LEVEL ?? 'warn',
  });
  const boot = (): Promise<EmbeddedPostgresHandle> =>
    startEmbeddedPostgres({ dataDir, port, log, settings: { fsync: 'off' } });

  let server: EmbeddedPostgresHandle | undefined;
  const tracked: Tracked = {
    name: `postgres:${port}`,
    stop: async () => {
      untrack(tracked);
      await server?.stop();
      await rm(tempDir, { recursive: true, force: true });
    },
    killNow: () => {
      for (const pid of postgresProcesses(dataDir)) signal(pid, 'SIGKILL');
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
  track(tracked);
  try {
    server = await boot();
  } catch (err) {
    untrack(tracked);
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  const url = server.url;

  return {
    url,
    port,
    kill: async () => {
      const pids = postgresProcesses(dataDir);
      for (const pid of pids) signal(pid, 'SIGKILL');
      await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), {
        what: `postgres:${port} processes to die`,
      });
    },
    restart: async () => {
      await server?.stop();
      track(tracked);
      // Right after a kill the old shared memory may still be attached for a moment; retry.
      server = await waitFor(() => boot(), {
        timeoutMs: RESTART_TIMEOUT_MS,
        intervalMs: 200,
        what: `postgres:${port} to start again on ${dataDir}`,
      });
    },
    stop: tracked.stop,
    createDatabase: async (name = `t_${randomBytes(6).toString('hex')}`) => {
      if (!DATABASE_NAME.test(name))
        throw new Error(`createDatabase: ${JSON.stringify(name)} is not a plain database name`);
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => undefined); // a drop also rejects the awaited query
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      return dbUrl.toString();
    },
  };
}

/**
 * The postmaster (from postmaster.pid) and its children, found through /proc before anything
 * is killed: once the postmaster is gone its children are reparented and can't be told apart.
 */
function postgresProcesses(dataDir: string): number[] {
  let postmaster: number;
  try {
    postmaster = Number.parseInt(
      readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
      10,
    );
  } catch {
    return [];
  }
  if (!Number.isInteger(postmaster) || postmaster <= 0 || !isProcessAlive(postmaster)) return [];
  return [postmaster, ...childrenOf(postmaster)];
}

function childrenOf(pid: number): number[] {
  try {
    // Needs CONFIG_PROC_CHILDREN, which every mainstream kernel has.
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
