import { fileURLToPath } from 'node:url';
import { type Bus, connectNatsBus } from '@natter/bus';
import { RpcClient, subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import {
  freePort,
  type NatsHandle,
  type PostgresHandle,
  type ProcHandle,
  startNats,
  startPostgres,
  startProcess,
  waitFor,
} from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const log = createLogger({ name: 'rooms-main-test', level: 'silent' });
const cwd = fileURLToPath(new URL('..', import.meta.url));

let nats: NatsHandle;
let postgres: PostgresHandle;
let proc: ProcHandle;
let client: Bus;
let port: number;

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  port = await freePort();
  proc = await startProcess({
    name: 'rooms',
    entry: 'src/main.ts',
    cwd,
    env: {
      NATS_URL: nats.url,
      DATABASE_URL: await postgres.createDatabase(),
      HTTP_PORT: String(port),
      NATTER_NAMESPACE: 'rmain',
      LOG_LEVEL: 'warn',
    },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
  client = await connectNatsBus({ servers: nats.url, name: 'client', log });
});

afterAll(async () => {
  await client?.drain();
  await proc?.kill();
  await Promise.all([nats?.stop(), postgres?.stop()]);
});

describe('rooms main.ts as a process', () => {
  it('migrates, serves rooms.* and /readyz, follows the database, and exits 0 on SIGTERM', async () => {
    const rpc = new RpcClient(client, subjects('rmain'), 3000);
    expect(await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' })).toEqual({
      room: 'general',
      joined: true,
      ver: 1,
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/natter_rooms_requests_total\{op="rooms.join",outcome="ok"[^}]*\} 1\n/);

    await postgres.kill();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 503, {
      what: '/readyz to report the database down',
    });
    await postgres.restart();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
      what: '/readyz to recover',
    });
    expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).members).toEqual(['alice']);
    expect(await proc.kill('SIGTERM')).toBe(0);
  });
});
