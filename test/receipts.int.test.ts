import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Delivery receipts (protocol 1.1 "Receipts") across two gateways on real NATS, Redis and
 * Postgres: `received` markers, the DM peer's `received` event and `peer` in `convs`, and
 * `receipts` for rooms, with their refusals.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

async function hello(url: string, user: string) {
  const r = await RawClient.hello(url, { token: await token(user) });
  clients.push(r.client);
  return r;
}
const gw = (i: number) => cluster.gateways[i].url;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const receivedEvents = (c: RawClient, conv: string) =>
  c.events.filter((e) => e.ev === 'received' && e.conv === conv);
/** A request without id: no reply (an `error` event if it fails). */
const notify = (c: RawClient, op: string, params: Record<string, unknown>) =>
  c.sendRaw(JSON.stringify({ op, ...params }));
const errorOf = async (c: RawClient, op: string, params: Record<string, unknown>) =>
  (await c.request(op, params)).error;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('received markers in a DM', () => {
  const conv = 'dm:alice:bob';

  it('tells the other user on the other gateway, never moving back nor past the latest seq', async () => {
    const { client: alice } = await hello(gw(0), 'alice');
    const { client: bob1 } = await hello(gw(1), 'bob');
    const { client: bob2 } = await hello(gw(0), 'bob');
    for (let i = 1; i <= 3; i++) await alice.ok('send', { to: 'user:bob', cid: `dm-${i}`, text: `m${i}` });
    await bob1.waitMessages(conv, 3);

    notify(bob1, 'received', { conv, seq: 3 });
    expect(await alice.waitEvent((e) => e.ev === 'received')).toEqual({
      ev: 'received',
      conv,
      user: 'bob',
      seq: 3,
    });
    // With an id, one reply; a lower or equal marker changes nothing and tells nobody.
    expect(await bob1.ok('received', { conv, seq: 2 })).toEqual({});
    expect(await bob2.ok('received', { conv, seq: 3 })).toEqual({});
    // Past the latest seq it stops at the latest.
    await alice.ok('send', { to: 'user:bob', cid: 'dm-4', text: 'm4' });
    expect(await bob1.ok('received', { conv, seq: 99 })).toEqual({});
    await alice.waitEvent((e) => e.ev === 'received' && e.seq === 4);
    await sleep(300);
    expect(receivedEvents(alice, conv).map((e) => e.seq)).toEqual([3, 4]);
    // One's own sessions are not told where they are.
    expect(receivedEvents(bob1, conv)).toEqual([]);
    expect(receivedEvents(bob2, conv)).toEqual([]);

    // After a reconnect, convs carries the peer's markers.
    const again = await hello(gw(1), 'alice');
    const entry = (again.hello.convs as Frame[]).find((c) => c.conv === conv);
    expect(entry).toEqual({ conv, seq: 4, ver: 4, read: 4, peer: { received: 4, read: 0 } });
    again.client.close();
  });

  it('counts a read as received: read moves the received marker too', async () => {
    const { client: alice } = await hello(gw(0), 'alice');
    const { client: bob } = await hello(gw(1), 'bob');
    for (let i = 5; i <= 6; i++) await alice.ok('send', { to: 'user:bob', cid: `dm-${i}`, text: `m${i}` });
    await bob.waitMessages(conv, 2);
    await bob.ok('read', { conv, seq: 6 });
    // The read event is as in version 1.
    expect(await alice.waitEvent((e) => e.ev === 'read')).toEqual({ ev: 'read', conv, user: 'bob', seq: 6 });
    await bob.ok('received', { conv, seq: 5 });
    await bob.ok('received', { conv, seq: 6 });
    await sleep(300);
    expect(receivedEvents(alice, conv)).toEqual([]);

    const a = await hello(gw(1), 'alice');
    expect((a.hello.convs as Frame[]).find((c) => c.conv === conv)?.peer).toEqual({ received: 6, read: 6 });
    const b = await hello(gw(0), 'bob');
    // alice wrote every message, so she has read and received all of them.
    expect((b.hello.convs as Frame[]).find((c) => c.conv === conv)).toEqual({
      conv,
      seq: 6,
      ver: 6,
      read: 6,
      peer: { received: 6, read: 6 },
    });
    // Rooms carry no peer.
    await b.client.ok('join', { room: 'peerless' });
    const c = await hello(gw(0), 'bob');
    expect((c.hello.convs as Frame[]).find((x) => x.conv === 'room:peerless')).toEqual({
      conv: 'room:peerless',
      seq: 0,
      ver: 0,
      read: 0,
    });
    // The HTTP API lists the same.
    const res = await fetch(`${cluster.gateways[0].http}/v1/conversations`, {
      headers: { authorization: `Bearer ${await token('alice')}` },
    });
    const listed = (await res.json()) as { convs: Frame[] };
    expect(listed.convs.find((x) => x.conv === conv)?.peer).toEqual({ received: 6, read: 6 });
  });
});

describe('receipts', () => {
  const conv = 'room:rcpt';
  let alice: RawClient;
  let bob: RawClient;
  let carol: RawClient;
  let mallory: RawClient;

  beforeAll(async () => {
    ({ client: alice } = await hello(gw(0), 'alice'));
    ({ client: bob } = await hello(gw(1), 'bob'));
    ({ client: carol } = await hello(gw(0), 'carol'));
    ({ client: mallory } = await hello(gw(1), 'mallory'));
    for (const c of [alice, bob, carol]) await c.ok('join', { room: 'rcpt' });
    for (let i = 1; i <= 3; i++) await alice.ok('send', { to: conv, cid: `r-${i}`, text: `r${i}` });
    await carol.waitMessages(conv, 3);
  });

  it('lists the members at or past a seq; a room gets no received events', async () => {
    await bob.ok('read', { conv, seq: 2 });
    await carol.ok('received', { conv, seq: 3 });
    expect(await carol.ok('receipts', { conv, seq: 2 })).toEqual({
      read: ['alice', 'bob'],
      received: ['alice', 'bob', 'carol'],
    });
    expect(await bob.ok('receipts', { conv, seq: 3 })).toEqual({
      read: ['alice'],
      received: ['alice', 'carol'],
    });
    expect(receivedEvents(alice, conv)).toEqual([]);
    expect(receivedEvents(bob, conv)).toEqual([]);
    // Members only: one who left is no longer listed.
    await carol.ok('leave', { room: 'rcpt' });
    expect(await alice.ok('receipts', { conv, seq: 2 })).toEqual({
      read: ['alice', 'bob'],
      received: ['alice', 'bob'],
    });
  });

  it('works for a DM: its two users', async () => {
    expect(await bob.ok('receipts', { conv: 'dm:alice:bob', seq: 6 })).toEqual({
      read: ['alice', 'bob'],
      received: ['alice', 'bob'],
    });
  });

  it('refuses non-members, rooms that do not exist (alike), bad seqs and fields', async () => {
    const notMember = await errorOf(mallory, 'receipts', { conv, seq: 1 });
    expect(notMember).toMatchObject({ code: 'forbidden' });
    const noRoom = await errorOf(mallory, 'receipts', { conv: 'room:nosuch', seq: 1 });
    expect(noRoom?.code).toBe('forbidden');
    expect(noRoom?.message.replace('nosuch', 'rcpt')).toBe(notMember?.message);
    expect(await errorOf(mallory, 'receipts', { conv: 'dm:alice:bob', seq: 1 })).toMatchObject({
      code: 'forbidden',
    });
    expect(await errorOf(mallory, 'received', { conv, seq: 1 })).toMatchObject({ code: 'forbidden' });
    expect(await errorOf(mallory, 'received', { conv: 'dm:alice:bob', seq: 1 })).toMatchObject({
      code: 'forbidden',
    });
    // Without an id the refusal is an error event naming the op.
    notify(mallory, 'received', { conv, seq: 1 });
    const ev = await mallory.waitEvent((e) => e.ev === 'error' && e.op === 'received');
    expect(ev.error).toMatchObject({ code: 'forbidden' });

    const bad = async (op: string, params: Record<string, unknown>, field: string) => {
      const err = await errorOf(alice, op, params);
      expect(err?.code, `${op} ${JSON.stringify(params)}`).toBe('bad_request');
      expect(err?.message.startsWith(`${field}:`), err?.message).toBe(true);
    };
    await bad('receipts', { conv, seq: 0 }, 'seq');
    await bad('receipts', { conv, seq: -1 }, 'seq');
    await bad('receipts', { conv, seq: 1.5 }, 'seq');
    await bad('receipts', { conv, seq: '1' }, 'seq');
    await bad('receipts', { conv }, 'seq');
    await bad('receipts', { seq: 1 }, 'conv');
    await bad('receipts', { conv: 'chan:x', seq: 1 }, 'conv');
    await bad('receipts', { conv: 'dm:bob:alice', seq: 1 }, 'conv');
    await bad('receipts', { conv: `room:${'x'.repeat(200)}`, seq: 1 }, 'conv');
    await bad('received', { conv, seq: -1 }, 'seq');
    await bad('received', { conv, seq: Number.MAX_SAFE_INTEGER + 2 }, 'seq');
    await bad('received', { conv }, 'seq');
    await bad('received', { seq: 3 }, 'conv');
    await bad('received', { conv: 'room:Not_A_Room', seq: 3 }, 'conv');
    // A seq past the conversation's latest is no message.
    const missing = await errorOf(alice, 'receipts', { conv, seq: 4 });
    expect(missing).toMatchObject({ code: 'not_found' });
    expect(missing?.message.startsWith('seq:')).toBe(true);
    expect(await errorOf(alice, 'receipts', { conv: 'dm:alice:zed', seq: 1 })).toMatchObject({
      code: 'not_found',
    });
  });

  it('names at most 200 users in each list', async () => {
    const room = 'crowd';
    await alice.ok('join', { room });
    await alice.ok('send', { to: `room:${room}`, cid: 'crowd-1', text: 'hello all' });
    const users = Array.from({ length: 230 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    for (let i = 0; i < users.length; i += 25) {
      await Promise.all(
        users.slice(i, i + 25).map(async (u, k) => {
          const c = await RawClient.connect(gw(k % 2));
          try {
            await c.ok('hello', { token: await token(u) });
            // Joins of one room queue on its row: on a busy machine one may time out (unavailable), and a client retries.
            for (let attempt = 1; ; attempt++) {
              const r = await c.request('join', { room });
              if (!r.error) break;
              if (r.error.code !== 'unavailable' || attempt === 5)
                throw new Error(`join: ${r.error.message}`);
              await sleep(200 * attempt);
            }
            await c.ok(k % 10 ? 'read' : 'received', { conv: `room:${room}`, seq: 1 });
          } finally {
            c.close();
          }
        }),
      );
    }
    const r = await alice.ok('receipts', { conv: `room:${room}`, seq: 1 });
    const everyone = ['alice', ...users].sort();
    expect(r.received).toEqual(everyone.slice(0, 200));
    const readers = ['alice', ...users.filter((_, i) => (i % 25) % 10 !== 0)].sort();
    expect(readers.length).toBeGreaterThan(200);
    expect(r.read).toEqual(readers.slice(0, 200));
  });

  it('counts received against the connection rate limit', async () => {
    const tight = await cluster.addGateway({
      NATTER_RATE_REQUESTS_BURST: '5',
      NATTER_RATE_REQUESTS_PER_SEC: '1',
    });
    const { client: dave } = await hello(tight.url, 'dave');
    for (let i = 0; i < 20; i++) notify(dave, 'received', { conv: 'dm:alice:dave', seq: i + 1 });
    const ev = await dave.waitEvent((e) => e.ev === 'error' && e.op === 'received');
    expect(ev.error).toMatchObject({ code: 'rate_limited' });
    expect((ev.error as { retryAfter?: number }).retryAfter).toBeGreaterThan(0);
  });
});
