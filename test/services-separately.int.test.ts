import { type ChildProcess, spawn } from 'node:child_process';
import {
  freePort,
  type NatsHandle,
  type PostgresHandle,
  type RedisHandle,
  startNats,
  startPostgres,
  startRedis,
  waitFor,
} from '@natter/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_SECRET, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';
import { readmeShellBlock } from './readme/snippets.ts';

/**
 * README.md's "Running the services separately", line by line, with `npm run start -w`, on
 * real NATS, Redis and Postgres, from a database that does not exist yet. What the test
 * changes: the backends' URLs and the ports (free ones, so parallel runs do not collide;
 * services without HTTP_PORT in the README get one too), and the secret (one it knows).
 */
const ROOT = new URL('../', import.meta.url).pathname;
const DATABASE = 'natter_first_start';

let nats: NatsHandle;
let redis: RedisHandle;
let postgres: PostgresHandle;
const procs: { line: string; child: ChildProcess; output: string[] }[] = [];
const gateways: { url: string; http: string; proc: (typeof procs)[number] }[] = [];

function databaseUrl(name: string): string {
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function ok(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [nats, redis, postgres] = await Promise.all([startNats(), startRedis(), startPostgres()]);
  const block = readmeShellBlock('Running the services separately');
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  let exports = lines.find((l) => l.startsWith('export '))!;
  expect(exports).toBeDefined();
  exports = exports
    .replace(/NATS_URL=\S+/, `NATS_URL=${nats.url}`)
    .replace(/REDIS_URL=\S+/, `REDIS_URL=${redis.url}`)
    .replace(/DATABASE_URL=\S+/, `DATABASE_URL=${databaseUrl(DATABASE)}`)
    .replace(/NATTER_JWT_SECRET=\$\(openssl rand -base64 48\)/, `NATTER_JWT_SECRET=${JWT_SECRET}`);
  const commands = lines.filter((l) => l.includes('npm run start -w')).map((l) => l.replace(/\s+#.*$/, ''));
  expect(commands.length).toBe(7);
  for (const command of commands) {
    let line = command;
    let port: number | undefined;
    if (/\bPORT=\d+/.test(line)) {
      port = await freePort();
      line = line.replace(/\bPORT=\d+/, `PORT=${port}`);
    }
    const httpPort = await freePort();
    line = /HTTP_PORT=\d+/.test(line)
      ? line.replace(/HTTP_PORT=\d+/, `HTTP_PORT=${httpPort}`)
      : `HTTP_PORT=${httpPort} ${line}`;
    const output: string[] = [];
    const child = spawn('bash', ['-c', `${exports}\n${line}`], {
      cwd: ROOT,
      detached: true, // its own process group: npm, tsx and node stop together
      env: { ...process.env, LOG_LEVEL: 'info', NATTER_WEB_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const proc = { line, child, output };
    procs.push(proc);
    // One at a time, as from the README's terminals: the first gateway may build web/dist.
    const ready = port ? `http://127.0.0.1:${port}/readyz` : `http://127.0.0.1:${httpPort}/readyz`;
    await waitFor(() => ok(ready), { timeoutMs: 150_000, what: `${line} ready` }).catch((err: Error) => {
      throw new Error(`${err.message}\n${output.join('')}`);
    });
    if (port) gateways.push({ url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}`, proc });
  }
}, 600_000);

afterAll(async () => {
  for (const p of procs.reverse()) {
    if (p.child.pid === undefined || p.child.exitCode !== null) continue;
    const exited = new Promise((r) => p.child.once('exit', r));
    process.kill(-p.child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  await Promise.allSettled([nats?.stop(), redis?.stop(), postgres?.stop()]);
});

describe('the services, started separately as the README says', () => {
  it('created the database that did not exist, and migrated it', async () => {
    const client = new pg.Client({ connectionString: databaseUrl(DATABASE) });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'natter_%_migrations'",
      );
      expect(rows.map((r) => r.table_name).sort()).toEqual([
        'natter_events_migrations',
        'natter_history_migrations',
        'natter_hooks_migrations',
        'natter_presence_migrations',
        'natter_push_migrations',
        'natter_rooms_migrations',
        'natter_uploads_migrations',
      ]);
    } finally {
      await client.end();
    }
    expect(procs[0]!.output.join('')).toContain(`created the database ${DATABASE}`);
  });

  it('chats across the two gateways', async () => {
    const [gw1, gw2] = gateways;
    const { client: alice } = await RawClient.hello(gw1!.url, { token: await token('alice') });
    const { client: bob } = await RawClient.hello(gw2!.url, { token: await token('bob') });
    try {
      await alice.ok('send', { to: 'user:bob', cid: 'sep-1', text: 'hello across gateways' });
      const [m] = await bob.waitMessages('dm:alice:bob', 1);
      expect(m).toMatchObject({ from: 'alice', text: 'hello across gateways', seq: 1 });
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('serves the web client and says from where', async () => {
    const [gw1] = gateways;
    const log = gw1!.proc.output.join('');
    expect(log).toMatch(/serving the web client from \S+web\/dist/);
    const page = await fetch(`${gw1!.http}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);
  });
});
