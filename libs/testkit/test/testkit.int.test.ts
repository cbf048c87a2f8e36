import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { isConnectionError } from '@natter/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePort,
  StartError,
  startNats,
  startPostgres,
  startProcess,
  startRedis,
  stopAll,
  WaitTimeoutError,
  waitFor,
} from '../src/index.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

afterAll(async () => {
  await stopAll();
});

async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 })).toBe(3);
  });

  it('names what it waited for, with the last error as cause', async () => {
    const err = await waitFor(
      () => {
        throw new Error('still booting');
      },
      { timeoutMs: 100, intervalMs: 10, what: 'the moon' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toContain('the moon');
    expect((err as Error).message).toContain('still booting');
  });
});

describe('startNats', () => {
  it('counts messages in varz, survives kill and restart on the same port', async () => {
    const nats = await startNats();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    const nc = await connect({ servers: nats.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    const sub = nc.subscribe('t.>');
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of sub) got.push(m.string());
    })();
    for (let i = 0; i < 3; i++) nc.publish(`t.${i}`, `m${i}`);
    await nc.flush();
    await waitFor(() => got.length === 3, { what: 'three messages' });
    const varz = await nats.varz();
    expect(varz.in_msgs).toBeGreaterThanOrEqual(3);
    expect(varz.out_msgs).toBeGreaterThanOrEqual(3);
    expect(varz.connections).toBe(1);

    let reconnects = 0;
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'reconnect') reconnects++;
    })();
    await nats.kill();
    const refused = await connect({ servers: nats.url, maxReconnectAttempts: 0, timeout: 500 }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(Error);

    await nats.restart();
    // The first client reconnects by itself to the same url and its subscription still works.
    await waitFor(() => reconnects > 0, { what: 'the client to reconnect' });
    // varz can still count a connection the restarted server is closing: wait for it to settle.
    await waitFor(async () => (await nats.varz()).connections === 1, {
      what: 'varz to count the one reconnected client',
    });
    nc.publish('t.after', 'after');
    await nc.flush();
    await waitFor(() => got.includes('after'), { what: 'a message after restart' });
    const nc2 = await connect({ servers: nats.url });
    const reply = nc.subscribe('echo', {
      callback: (_e, m) => {
        m.respond(m.data);
      },
    });
    await nc.flush(); // the server knows the responder before anyone asks
    expect((await nc2.request('echo', 'hi', { timeout: 2000 })).string()).toBe('hi');
    reply.unsubscribe();
    await nc2.close();
    await nc.close();
    await reading;
    expect(nats.logs()).toContain('Server is ready');
    await nats.stop();
    await nats.stop();
  });

  it('runs JetStream with a store dir that stop() removes', async () => {
    const nats = await startNats({ jetstream: true });
    const res = await fetch(`http://127.0.0.1:${nats.monitorPort}/jsz`);
    const jsz = (await res.json()) as { config?: { store_dir?: string } };
    const storeDir = jsz.config?.store_dir;
    expect(storeDir && existsSync(storeDir)).toBeTruthy();
    await nats.restart();
    expect(existsSync(storeDir!)).toBe(true);
    await nats.stop();
    expect(existsSync(storeDir!)).toBe(false);
  });
});

describe('startRedis', () => {
  it('keeps nothing on disk and comes back empty after kill and restart', async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => undefined); // reconnect noise while the server is down
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);

    await redis.kill();
    await expect(client.get('k')).rejects.toThrow();

    await redis.restart();
    const fresh = new Redis(redis.url);
    expect(await fresh.get('k')).toBeNull();
    await fresh.set('k', 'again');
    await waitFor(() => client.get('k').then((v) => v === 'again'), { what: 'the old client to reconnect' });
    fresh.disconnect();
    client.disconnect();
    await redis.stop();
  });
});

describe('startPostgres', () => {
  it('isolates databases, survives kill -9 with committed data, and cleans up', async () => {
    const postgres = await startPostgres();
    expect(await pgQuery(postgres.url, 'SELECT current_database() AS db')).toEqual([{ db: 'natter' }]);
    const a = await postgres.createDatabase();
    const b = await postgres.createDatabase('second_db');
    expect(b).toMatch(/\/second_db$/);
    await pgQuery(a, 'CREATE TABLE t (v int)');
    await pgQuery(a, 'INSERT INTO t VALUES (1)');
    await expect(pgQuery(b, 'SELECT * FROM t')).rejects.toThrow(/does not exist/);

    const held = new pg.Client({ connectionString: a });
    held.on('error', () => undefined);
    await held.connect();
    await postgres.kill();
    const err = await held.query('SELECT 1').catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    await held.end().catch(() => undefined);
    await expect(pgQuery(a, 'SELECT 1')).rejects.toSatisfy(isConnectionError);

    await postgres.restart();
    expect(await pgQuery(a, 'SELECT v FROM t')).toEqual([{ v: 1 }]);
    // restart() of a running server is a clean stop and start.
    await postgres.restart();
    expect(await pgQuery(a, 'SELECT v FROM t')).toEqual([{ v: 1 }]);
    await postgres.stop();
    await expect(pgQuery(a, 'SELECT 1')).rejects.toSatisfy(isConnectionError);
  });
});

describe('startProcess', () => {
  it('runs a .ts entry with env, waits for readiness, captures logs, kills and restarts', async () => {
    const port = await freePort();
    const proc = await startProcess({
      name: 'fixture',
      entry: path.join(fixtures, 'http-service.ts'),
      env: { PORT: String(port), GREETING: 'hello', EXIT_CODE: '3' },
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe('hello');
    expect(proc.logs()).toContain('with greeting hello');
    const firstPid = proc.pid;

    await proc.restart();
    expect(proc.pid).not.toBe(firstPid);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe('hello');

    expect(await proc.kill()).toBe(3);
    expect(await proc.exited).toBe(3);
    expect(proc.logs()).toContain('fixture got SIGTERM');

    await proc.restart();
    expect(await proc.kill('SIGKILL')).toBeNull();
  });

  it('fails with the process output when it exits before it is ready', async () => {
    const port = await freePort();
    const err = await startProcess({
      name: 'crasher',
      entry: 'test/fixtures/crashing-service.ts',
      cwd: path.dirname(path.dirname(fixtures)),
      env: {},
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as Error).message).toContain('DATABASE_URL is not a postgres url');
    expect((err as Error).message).toContain('exited with 78');
  });
});

describe('stopAll', () => {
  it('stops everything still running', async () => {
    const redis = await startRedis();
    const nats = await startNats();
    await stopAll();
    const late = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null });
    late.on('error', () => undefined); // the rejected connect() below is what is checked
    await expect(late.connect()).rejects.toThrow();
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0, timeout: 500 })).rejects.toThrow();
  });
});
