import { type Bus, connectNatsBus } from '@natter/bus';
import { RpcClient, subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Reconnect storms on real parts (issue 16): concurrent hellos share batched lookups and
 * get exactly what one hello alone would (each user's own rooms, DMs and read markers);
 * a service past NATTER_SERVICE_MAX_IN_FLIGHT answers `unavailable` with `retryAfter` at
 * once and says so on `/readyz`; a gateway past its admission bounds answers `unavailable`
 * with `retryAfter` (never a silent wait ending in 4001) and refuses upgrades with 503.
 */
let cluster: Cluster;
let bus: Bus;
let rpc: RpcClient;
const clients: RawClient[] = [];
const USERS = Array.from({ length: 48 }, (_, i) => `storm-u${String(i).padStart(2, '0')}`);
const MAX_IN_FLIGHT = 24;

async function hello(url: string, user: string): Promise<RawClient> {
  const { client } = await RawClient.hello(url, { token: await token(user) });
  clients.push(client);
  return client;
}

/** The sum of a metric's series that carry `label` (`key="value"`), from a /metrics page. */
async function metric(base: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** Holds the row lock of `room` (as a join takes it) until the returned function is called. */
async function lockRoom(room: string): Promise<() => Promise<void>> {
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  await db.query('BEGIN');
  await db.query('SELECT 1 FROM rooms WHERE name = $1 FOR UPDATE', [room]);
  return async () => {
    await db.query('ROLLBACK');
    await db.end();
  };
}

beforeAll(async () => {
  cluster = await startCluster({
    gateways: 1,
    env: { NATTER_SERVICE_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) },
  });
  bus = await connectNatsBus({
    servers: [cluster.nats.url],
    name: 'storm-test',
    log: createLogger({ name: 'storm-test', level: 'silent' }),
  });
  rpc = new RpcClient(bus, subjects('natter'), 5000);
  // Rooms: everyone in `all`, evens in `evens`, a private room of three, and one room per
  // user; DMs between neighbours, with messages and read markers that differ per user.
  const setup = await Promise.all(USERS.map((u) => hello(cluster.gateways[0].url, u)));
  for (const [i, c] of setup.entries()) {
    await c.ok('join', { room: 'storm-all' });
    if (i % 2 === 0) await c.ok('join', { room: 'storm-evens' });
    await c.ok('join', { room: `storm-own-${i}` });
  }
  await setup[0].ok('create', { room: 'storm-secret', private: true });
  for (const i of [1, 2]) {
    await setup[0].ok('invite', { room: 'storm-secret', user: USERS[i] });
    await setup[i].ok('join', { room: 'storm-secret' });
  }
  for (let i = 0; i < USERS.length; i += 3) {
    const to = USERS[(i + 1) % USERS.length];
    for (let k = 0; k <= i % 4; k++)
      await setup[i].ok('send', { to: `user:${to}`, cid: `dm-${i}-${k}`, text: 'hi' });
    await setup[i].ok('send', { to: 'room:storm-all', cid: `all-${i}`, text: 'hello all' });
  }
  // Read markers: each user's own, different from everyone else's.
  for (const [i, c] of setup.entries()) await c.ok('read', { conv: 'room:storm-all', seq: 1 + (i % 5) });
  for (const c of setup) c.close();
  clients.length = 0;
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await bus?.drain();
  await cluster?.stop();
});

describe('batched hello', () => {
  it('gives every user of a batch exactly what an unbatched hello gives, and nothing of the others', async () => {
    const gw = cluster.gateways[0];
    const batchesBefore = await metric(gw.metrics, 'natter_gateway_hello_batch_size_count', 'lookup="convs"');
    const results = await Promise.all(
      USERS.map(async (u) => {
        const c = await RawClient.connect(gw.url);
        clients.push(c);
        const r = await c.request('hello', { token: await token(u) });
        return { user: u, convs: (r.result as { convs: unknown[] }).convs };
      }),
    );
    const batches =
      (await metric(gw.metrics, 'natter_gateway_hello_batch_size_count', 'lookup="convs"')) - batchesBefore;
    // 48 hellos at once went out in fewer lookups than hellos: they were batched.
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(USERS.length);
    for (const { user, convs } of results) {
      const rooms = (await rpc.call('rooms.list', { v: 1, user })).rooms.map((r) => r.room);
      const alone = await rpc.call('historyConvs', { v: 1, user, rooms, dms: true });
      expect(convs, user).toEqual(alone.convs);
      const i = USERS.indexOf(user);
      const names = (convs as { conv: string }[]).map((c) => c.conv);
      expect(names.includes('room:storm-secret'), user).toBe(i <= 2);
      expect(
        names.filter((n) => n.startsWith('room:storm-own-')),
        user,
      ).toEqual([`room:storm-own-${i}`]);
      for (const n of names.filter((x) => x.startsWith('dm:'))) expect(n.split(':').slice(1)).toContain(user);
      const all = (convs as { conv: string; read: number }[]).find((c) => c.conv === 'room:storm-all');
      // Senders' markers moved with their sends; the others' are their own `read`.
      if (i % 3 !== 0) expect(all?.read, user).toBe(1 + (i % 5));
    }
  });

  it('refuses a malformed batch naming the field', async () => {
    await expect(rpc.call('rooms.listMany', { v: 1, users: ['ok', 'not ok!'] })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('users'),
    });
    await expect(
      rpc.call('rooms.listMany', { v: 1, users: Array.from({ length: 501 }, (_, i) => `u${i}`) }),
    ).rejects.toMatchObject({ code: 'bad_request' });
    await expect(
      rpc.call('historyConvsMany', { v: 1, items: [{ user: 'a', rooms: ['Bad Room'], dms: true }] }),
    ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('rooms') });
    await expect(rpc.call('historyConvsMany', { v: 1, items: [null as never] })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});

describe('load shedding', () => {
  it('a service past its bound answers unavailable with retryAfter at once, and /readyz says load', async () => {
    await rpc.call('rooms.join', { v: 1, user: 'shed-owner', room: 'storm-locked' });
    const c = await hello(cluster.gateways[0].url, 'shed-client');
    const unlock = await lockRoom('storm-locked');
    const health = cluster.health.rooms[0];
    try {
      // Joins pile up behind the lock: the first MAX_IN_FLIGHT are in flight, the rest shed.
      const calls = Array.from({ length: MAX_IN_FLIGHT + 16 }, (_, i) => {
        const t0 = Date.now();
        return rpc.call('rooms.join', { v: 1, user: `shed-${i}`, room: 'storm-locked' }).then(
          () => ({ ok: true as const, ms: Date.now() - t0 }),
          (err: { code: string; retryAfter?: number }) => ({ ok: false as const, err, ms: Date.now() - t0 }),
        );
      });
      const settledEarly = await Promise.race([
        Promise.all(calls.slice(MAX_IN_FLIGHT)),
        new Promise<undefined>((r) => setTimeout(r, 3000)),
      ]);
      expect(settledEarly, 'the requests past the bound were answered while the others waited').toBeDefined();
      for (const r of settledEarly!) {
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.err.code).toBe('unavailable');
          expect(r.err.retryAfter).toBeGreaterThan(0);
        }
        expect(r.ms).toBeLessThan(1500);
      }
      const ready = await fetch(`${health}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ok: false, failing: ['load'] });
      // Through a gateway, a client gets the service's answer as it is: unavailable, retryAfter.
      const f = await c.request('join', { room: 'storm-locked' }, 5000);
      expect(f.error).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
      await unlock();
      const done = await Promise.all(calls.slice(0, MAX_IN_FLIGHT));
      expect(done.every((r) => r.ok)).toBe(true);
    } finally {
      await unlock().catch(() => undefined);
    }
    // Once the line is gone, ready again.
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${health}/readyz`)).status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const page = await (await fetch(`${health}/metrics`)).text();
    expect(page).toMatch(/^natter_db_pool_waiting\{pool="rooms"[^}]*\} 0$/m);
    expect(page).toMatch(/^natter_db_pool_connections\{pool="rooms",state="max"[^}]*\} 10$/m);
  });
});

describe('gateway admission', () => {
  it('queues past its bound, answers unavailable with retryAfter past the line or its wait, refuses upgrades with 503', async () => {
    const gw = await cluster.addGateway({
      NATTER_ADMISSION_IN_FLIGHT: '1',
      NATTER_ADMISSION_QUEUE: '1',
      NATTER_ADMISSION_WAIT_MS: '400',
      NATTER_ADMISSION_UPGRADE_LIMIT: '4',
    });
    await rpc.call('rooms.join', { v: 1, user: 'adm-owner', room: 'storm-gate' });
    const a = await hello(gw.url, 'adm-a');
    const b = await hello(gw.url, 'adm-b');
    const unlock = await lockRoom('storm-gate');
    try {
      const blocked = a.request('join', { room: 'storm-gate' }, 15_000); // holds the one place
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const [queued, refused] = await Promise.all([
        b.request('history', { conv: 'room:storm-gate', limit: 1 }), // waits 400 ms, then refused
        (async () => {
          await new Promise((r) => setTimeout(r, 50));
          return b.request('rooms', {}); // the line is full: refused at once
        })(),
      ]);
      expect(refused.error).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
      expect(queued.error).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
      expect(Date.now() - t0).toBeLessThan(3000);
      // A hello that waits too long gets unavailable (and the connection stays, for a retry).
      const late = await RawClient.connect(gw.url);
      clients.push(late);
      const h: Frame = await late.request('hello', { token: await token('adm-late') }, 5000);
      expect(h.error).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
      expect(late.closed).toBeUndefined();
      // Connections without a session, plus the line, past the upgrade limit: 503 + Retry-After.
      const idle = await Promise.all([1, 2, 3].map(() => RawClient.connect(gw.url)));
      clients.push(...idle);
      const res = await fetch(`${gw.http}/ws`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      }).catch((err: unknown) => err);
      if (res instanceof Response) {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } else {
        // fetch refuses to speak Upgrade on some versions: ask with a raw socket instead.
        expect(await rawUpgradeStatus(gw.port)).toMatch(/^HTTP\/1\.1 503[\s\S]*Retry-After: \d+/);
      }
      await unlock();
      expect((await blocked).result).toMatchObject({ room: 'storm-gate' });
    } finally {
      await unlock().catch(() => undefined);
    }
    expect(
      await metric(gw.metrics, 'natter_gateway_admission_total', 'outcome="shed"'),
    ).toBeGreaterThanOrEqual(2);
  });
});

async function rawUpgradeStatus(port: number): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    let data = '';
    sock.on('data', (d) => {
      data += d.toString();
    });
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}
