import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Degrade, don't die (DESIGN.md promise 7): with NATS, Postgres, Redis or history down, the
 * affected requests fail fast with `unavailable`, `/readyz` of the affected processes says
 * 503, and everything recovers by itself once the part is back. Redis comes back empty:
 * gateways re-announce their sessions and DMs route again. A gateway that dies without a
 * word has its users go offline by TTL.
 *
 * Recovery targets (5 s after the part returns, Postgres 10 s) are printed, not asserted:
 * the machine is small and shared; the deadline asserted is a generous one.
 */
let cluster: Cluster;
let timeoutMs: number;
const clients: RawClient[] = [];
let alice: RawClient; // on gw-1
let bob: RawClient; // on gw-2
let carol: RawClient; // on gw-2
let cid = 0;

const RECOVERY_DEADLINE_MS = 60_000;

async function hello(gw: number, user: string): Promise<RawClient> {
  const { client } = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) });
  clients.push(client);
  return client;
}

async function timed(c: RawClient, op: string, params: Record<string, unknown>) {
  const t0 = Date.now();
  const frame = await c.request(op, params, timeoutMs + 10_000);
  return { frame, ms: Date.now() - t0 };
}

/** The request fails with `unavailable`, and fast: by the request timeout (plus scheduling slack). */
async function expectUnavailable(c: RawClient, op: string, params: Record<string, unknown>) {
  const { frame, ms } = await timed(c, op, params);
  expect(frame.error?.code, JSON.stringify(frame)).toBe('unavailable');
  expect(ms).toBeLessThan(timeoutMs + 3000);
  return ms;
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

async function waitStatus(url: string, want: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    last = await status(url);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz stayed ${last}, wanted ${want}`);
}

/** Sends until one succeeds; resolves with the ms it took from `since`. */
async function sendsAgain(c: RawClient, to: string, since: number): Promise<number> {
  for (;;) {
    const r = await c.request(
      'send',
      { to, cid: `again-${++cid}`, text: 'are we back?' },
      timeoutMs + 10_000,
    );
    if (r.result) return Date.now() - since;
    expect(r.error?.code, JSON.stringify(r)).toMatch(/^(unavailable|rate_limited)$/);
    if (Date.now() - since > RECOVERY_DEADLINE_MS)
      throw new Error(`sends did not come back: ${JSON.stringify(r)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves with the DM `text` once `c` receives it; rejects after `ms`. */
function receives(c: RawClient, text: string, ms = RECOVERY_DEADLINE_MS): Promise<Frame> {
  return c.waitEvent((f) => f.ev === 'message' && f.text === text, ms);
}

beforeAll(async () => {
  cluster = await startCluster({ gateways: 2 });
  timeoutMs = Number(cluster.env.NATTER_REQUEST_TIMEOUT_MS);
  alice = await hello(0, 'alice');
  bob = await hello(1, 'bob');
  carol = await hello(1, 'carol');
  await alice.ok('join', { room: 'faults' });
  await bob.ok('join', { room: 'faults' });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('NATS down', () => {
  it('fails requests fast with unavailable, turns every readyz 503, and recovers by itself', async () => {
    await cluster.nats.kill();
    await expectUnavailable(bob, 'send', { to: 'room:faults', cid: `n-${++cid}`, text: 'nats is down' });
    // A page is read by the gateway from Postgres: a DM's needs nothing else; a room's needs
    // the room's roster (rooms.roster over NATS), which bob's gateway has not cached yet.
    expect((await bob.ok('history', { conv: 'dm:alice:bob' })).messages).toBeInstanceOf(Array);
    await expectUnavailable(bob, 'history', { conv: 'room:faults' });
    // A DM needs only Postgres: bob's gateway stores it (the answer means committed), and it
    // reaches alice on the other gateway once NATS is back.
    const stored = receives(alice, 'dm while nats is down');
    expect(
      (await bob.ok('send', { to: 'user:alice', cid: `n-${++cid}`, text: 'dm while nats is down' })).seq,
    ).toBeGreaterThan(0);
    for (const gw of cluster.gateways) await waitStatus(gw.http, 503);
    for (const name of ['history', 'rooms', 'presence'] as const)
      await waitStatus(cluster.health[name][0], 503);

    await cluster.nats.restart();
    const back = Date.now();
    const ms = await sendsAgain(bob, 'room:faults', back);
    console.log(`NATS: sends succeed again ${ms} ms after it is back (target 5000)`);
    await stored;
    for (const gw of cluster.gateways) await waitStatus(gw.http, 200);
    for (const name of ['history', 'rooms', 'presence'] as const)
      await waitStatus(cluster.health[name][0], 200);
    // Subscriptions are back too: a DM and a room message reach the other gateway live.
    const dm = receives(alice, 'after nats');
    await bob.ok('send', { to: 'user:alice', cid: `n-${++cid}`, text: 'after nats' });
    await dm;
    const room = receives(alice, 'room after nats');
    await bob.ok('send', { to: 'room:faults', cid: `n-${++cid}`, text: 'room after nats' });
    await room;
  });
});

describe('Postgres down', () => {
  it('fails sends fast with unavailable, turns history and rooms readyz 503, and recovers by itself', async () => {
    await cluster.pg.kill();
    await expectUnavailable(bob, 'send', { to: 'room:faults', cid: `p-${++cid}`, text: 'postgres is down' });
    // The DM's store is the gateway's own connection to the same database: unavailable too.
    await expectUnavailable(bob, 'send', { to: 'user:alice', cid: `p-${++cid}`, text: 'postgres is down' });
    await expectUnavailable(bob, 'history', { conv: 'room:faults' });
    await expectUnavailable(carol, 'join', { room: 'while-pg-is-down' });
    await waitStatus(cluster.health.history[0], 503);
    await waitStatus(cluster.health.rooms[0], 503);

    await cluster.pg.restart();
    const back = Date.now();
    const ms = await sendsAgain(bob, 'room:faults', back);
    console.log(`Postgres: sends succeed again ${ms} ms after it is back (target 10000)`);
    await waitStatus(cluster.health.history[0], 200);
    await waitStatus(cluster.health.rooms[0], 200);
    expect(await carol.ok('join', { room: 'after-pg' })).toMatchObject({ room: 'after-pg' });
    const room = receives(alice, 'room after postgres');
    await bob.ok('send', { to: 'room:faults', cid: `p-${++cid}`, text: 'room after postgres' });
    await room;
  });
});

describe('history down', () => {
  it('answers room sends unavailable, keeps storing and delivering DMs and serving pages, which the gateways do themselves', async () => {
    await cluster.services.history[0].kill('SIGKILL');
    await expectUnavailable(bob, 'send', { to: 'room:faults', cid: `h-${++cid}`, text: 'history is down' });
    const text = 'dm while history is down';
    const live = receives(alice, text, 5000);
    const sent = await bob.ok('send', { to: 'user:alice', cid: `h-${++cid}`, text });
    await live;
    // Pages are read by the gateways too: the DM is in alice's page, once, and the room's page
    // is served (its roster from the rooms service), while history is still down.
    const page = await alice.ok('history', { conv: 'dm:alice:bob', limit: 5 });
    const found = (page.messages as { seq: number; text: string }[]).filter((m) => m.text === text);
    expect(found.map((m) => m.seq)).toEqual([sent.seq]);
    const room = await alice.ok('history', { conv: 'room:faults', limit: 5 });
    expect((room.messages as { text: string }[]).map((m) => m.text)).toContain('room after postgres');
    // Membership is still checked: carol is in no room `faults`.
    expect((await carol.request('history', { conv: 'room:faults' })).error?.code).toBe('forbidden');
    await cluster.services.history[0].restart();
    await sendsAgain(bob, 'room:faults', Date.now());
  });
});

describe('Redis down, then back empty', () => {
  it('fails presence requests fast, turns presence readyz 503, delivers DMs throughout; after an empty restart gateways re-announce', async () => {
    expect((await carol.ok('watch', { users: ['alice', 'bob'] })).presence).toEqual([
      { user: 'alice', online: true },
      { user: 'bob', online: true },
    ]);
    await cluster.redis.kill();
    await expectUnavailable(carol, 'watch', { users: ['dave'] });
    await waitStatus(cluster.health.presence[0], 503);
    // DMs need neither Redis nor presence: they reach gateways by the users' subjects.
    const text = 'redis is down';
    const live = receives(alice, text, 5000);
    expect((await bob.ok('send', { to: 'user:alice', cid: `r-${++cid}`, text })).seq).toBeGreaterThan(0);
    await live;

    await cluster.redis.restart();
    const back = Date.now();
    await waitStatus(cluster.health.presence[0], 200);
    // Presence lost everything: it asks the gateways to re-announce, and knows every live
    // session again.
    for (;;) {
      const p = await carol.request('watch', { users: ['alice', 'bob'] });
      const online = (p.result?.presence as { online: boolean }[] | undefined)?.every((x) => x.online);
      if (online) break;
      if (Date.now() - back > RECOVERY_DEADLINE_MS) throw new Error('sessions were not re-announced');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(
      `Redis (empty): every session known again ${Date.now() - back} ms after it is back (target 5000)`,
    );
  });
});

describe('a gateway killed without a word', () => {
  it('has its users go offline by TTL for watchers on the other gateway', async () => {
    const dave = await hello(0, 'dave');
    expect(dave).toBeDefined();
    expect((await carol.ok('watch', { users: ['dave'] })).presence).toEqual([{ user: 'dave', online: true }]);
    const t0 = Date.now();
    await cluster.gateways[0].proc.kill('SIGKILL');
    const offline = await carol.waitEvent(
      (f) => f.ev === 'presence' && f.user === 'dave' && f.online === false,
      30_000,
    );
    console.log(
      `gateway SIGKILL: its user went offline ${Date.now() - t0} ms later (TTL 3 heartbeats + slack)`,
    );
    expect(offline.lastSeen).toEqual(expect.any(String));
    await cluster.gateways[0].proc.restart();
    const again = await hello(0, 'dave');
    const online = await carol.waitEvent(
      (f) => f.ev === 'presence' && f.user === 'dave' && f.online === true && f !== offline,
      30_000,
    );
    expect(online).toBeDefined();
    again.close();
  });
});
