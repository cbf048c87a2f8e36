import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Threads (PROTOCOL 1.1 "Threads") on real NATS, Redis and Postgres across two gateways:
 * `thread:<conv>:<seq>` as a conversation of its own (send, history, since, read, changes),
 * the root's summary and its `thread` event on the other gateway, membership through the
 * parent, and who `convs` lists a thread for.
 */
let cluster: Cluster;
const clients: RawClient[] = [];
let n = 0;
const fresh = (p: string) => `${p}${++n}`;

async function hello(gw: number, user: string, extra: Record<string, unknown> = {}) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) }, extra);
  clients.push(r.client);
  return { c: r.client, convs: r.hello.convs as Frame[] };
}

async function refused(c: RawClient, op: string, params: Record<string, unknown>) {
  const r = await c.request(op, params);
  if (!r.error) throw new Error(`${op} succeeded: ${JSON.stringify(r.result)}`);
  return r.error;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alice (gw 1) and bob (gw 2) in a fresh room, alice's first message its seq 1. */
async function room(opts: { private?: boolean } = {}) {
  const name = fresh('thr');
  const conv = `room:${name}`;
  const { c: alice } = await hello(0, 'alice');
  const { c: bob } = await hello(1, 'bob');
  await alice.ok('create', { room: name, private: opts.private ?? false });
  if (opts.private) await alice.ok('invite', { room: name, user: 'bob' });
  await bob.ok('join', { room: name });
  await alice.ok('send', { to: conv, cid: fresh('c'), text: 'the root' });
  await bob.waitMessages(conv, 1);
  return { name, conv, thread: `thread:${conv}:1`, alice, bob };
}

beforeAll(async () => {
  cluster = await startCluster({ env: { NATTER_MAX_SESSIONS_PER_USER: '200' } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('a thread of a room message', () => {
  it('has its own seq and ver; its messages and the root summary reach the other gateway', async () => {
    const { conv, thread, alice, bob } = await room();
    const r1 = await bob.ok('send', { to: thread, cid: fresh('c'), text: 'first reply' });
    expect(r1).toMatchObject({ conv: thread, seq: 1, ver: 1 });
    const [m1] = await alice.waitMessages(thread, 1);
    expect(m1).toMatchObject({ conv: thread, seq: 1, ver: 1, from: 'bob', text: 'first reply' });
    const t1 = await alice.waitEvent((f) => f.ev === 'thread' && f.conv === conv);
    expect(t1).toEqual({ ev: 'thread', conv, seq: 1, ver: 2, replies: 1, last: r1.ts, users: ['bob'] });
    // The sender's own session has its answer, and its summary comes to it like to everyone.
    await bob.waitEvent((f) => f.ev === 'thread' && f.conv === conv && f.ver === 2);

    const r2 = await alice.ok('send', { to: thread, cid: fresh('c'), text: 'second' });
    expect(r2).toMatchObject({ conv: thread, seq: 2, ver: 2 });
    await bob.waitMessages(thread, 1);
    const t2 = await bob.waitEvent((f) => f.ev === 'thread' && f.conv === conv && f.ver === 3);
    expect(t2).toMatchObject({ seq: 1, replies: 2, last: r2.ts, users: ['bob', 'alice'] });

    // History of each shows the current state: the thread's messages, the root's summary.
    const page = await bob.ok('history', { conv: thread });
    expect((page.messages as Frame[]).map((m) => [m.seq, m.text])).toEqual([
      [1, 'first reply'],
      [2, 'second'],
    ]);
    const parent = (await bob.ok('history', { conv })).messages as Frame[];
    expect(parent).toHaveLength(1);
    expect(parent[0]).toMatchObject({
      seq: 1,
      ver: 3,
      thread: { replies: 2, last: r2.ts, users: ['bob', 'alice'] },
    });

    // A change inside the thread takes the thread's next ver and goes to the other gateway.
    expect(await alice.ok('react', { conv: thread, seq: 1, emoji: '👍' })).toEqual({ ver: 3 });
    const re = await bob.waitEvent((f) => f.ev === 'reaction' && f.conv === thread);
    expect(re).toMatchObject({ seq: 1, ver: 3, user: 'alice', emoji: '👍', on: true });
    expect(await bob.ok('edit', { conv: thread, seq: 1, text: 'first reply!' })).toMatchObject({ ver: 4 });
    await alice.waitEvent((f) => f.ev === 'edit' && f.conv === thread && f.ver === 4);
  });

  it('replays by `since`, its own and the root summary as a change of the parent', async () => {
    const { conv, thread, alice, bob } = await room();
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'one' });
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'two' });
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'three' });
    await alice.waitMessages(thread, 3);
    const { c: back, convs } = await hello(1, 'bob', { since: { [thread]: 1, [conv]: { seq: 1, ver: 1 } } });
    expect(convs.find((x) => x.conv === thread)).toMatchObject({ seq: 3, ver: 3, read: 3 });
    expect(back.messages(thread).map((m) => m.seq)).toEqual([2, 3]);
    const up = back.events.find((f) => f.ev === 'update' && f.conv === conv);
    expect(up).toMatchObject({ seq: 1, ver: 4, message: { thread: { replies: 3, users: ['bob'] } } });
  });

  it('moves a read marker of its own, and stays readable when the root is deleted', async () => {
    const { conv, thread, alice, bob } = await room();
    await alice.ok('send', { to: thread, cid: fresh('c'), text: 'a' });
    await alice.ok('send', { to: thread, cid: fresh('c'), text: '@bob b' });
    await bob.waitMessages(thread, 2);
    await bob.ok('read', { conv: thread, seq: 2 });
    const { convs } = await hello(0, 'bob');
    // Bob was mentioned: the thread is his too.
    expect(convs.find((x) => x.conv === thread)).toMatchObject({ seq: 2, read: 2 });

    await alice.ok('delete', { conv, seq: 1 });
    await bob.waitEvent((f) => f.ev === 'delete' && f.conv === conv);
    const page = (await bob.ok('history', { conv: thread })).messages as Frame[];
    expect(page.map((m) => m.text)).toEqual(['a', '@bob b']);
    const [root] = (await bob.ok('history', { conv })).messages as Frame[];
    expect(root).toMatchObject({ deleted: expect.any(String), thread: { replies: 2 } });
    expect(root.text).toBeUndefined();
    // A tombstone's thread still takes replies.
    expect(await bob.ok('send', { to: thread, cid: fresh('c'), text: 'c' })).toMatchObject({ seq: 3 });
  });
});

describe('who a thread is for', () => {
  it('convs lists a thread for its writers and the users it mentions only, while they are in the room', async () => {
    const { name, thread, alice, bob } = await room();
    const { c: carol } = await hello(0, 'carol');
    const { c: dave } = await hello(1, 'dave');
    await carol.ok('join', { room: name });
    await dave.ok('join', { room: name });
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'hey @dave' });
    await carol.waitMessages(thread, 1);
    const listed = async (user: string) => (await hello(0, user)).convs.some((x) => x.conv === thread);
    expect(await listed('bob')).toBe(true);
    expect(await listed('dave')).toBe(true);
    // Carol reads it live like every member, but neither wrote nor was mentioned.
    expect(await listed('carol')).toBe(false);
    // Alice wrote the root, not in the thread.
    expect(await listed('alice')).toBe(false);
    await alice.ok('send', { to: thread, cid: fresh('c'), text: 'me too' });
    expect(await listed('alice')).toBe(true);
    await dave.ok('leave', { room: name });
    expect(await listed('dave')).toBe(false);
  });

  it('a thread of a DM: its two users only', async () => {
    const { c: alice } = await hello(0, 'alice');
    const { c: erin } = await hello(1, 'erin');
    const { c: mallory } = await hello(1, 'mallory');
    const sent = await alice.ok('send', { to: 'user:erin', cid: fresh('c'), text: 'dm root' });
    const thread = `thread:dm:alice:erin:${sent.seq}`;
    expect(await erin.ok('send', { to: thread, cid: fresh('c'), text: 'dm reply' })).toMatchObject({
      conv: thread,
      seq: 1,
    });
    await alice.waitMessages(thread, 1);
    await alice.waitEvent((f) => f.ev === 'thread' && f.conv === 'dm:alice:erin' && f.seq === sent.seq);
    expect((await refused(mallory, 'send', { to: thread, cid: fresh('c'), text: 'x' })).code).toBe(
      'forbidden',
    );
    expect((await refused(mallory, 'history', { conv: thread })).code).toBe('forbidden');
    expect(mallory.events.filter((f) => f.conv === thread || f.conv === 'dm:alice:erin')).toEqual([]);
  });
});

describe('refusals', () => {
  it('an outsider of a private room gets forbidden on send and history of its thread, and nothing by since', async () => {
    const { conv, thread, bob } = await room({ private: true });
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'secret reply' });
    const { c: mallory } = await hello(1, 'mallory', { since: { [thread]: 0, [conv]: 0 } });
    const { c: mallory0 } = await hello(0, 'mallory');
    for (const m of [mallory, mallory0]) {
      const e = await refused(m, 'send', { to: thread, cid: fresh('c'), text: 'let me in' });
      expect(e.code).toBe('forbidden');
      expect((await refused(m, 'history', { conv: thread })).code).toBe('forbidden');
      expect((await refused(m, 'react', { conv: thread, seq: 1, emoji: '👍' })).code).toBe('forbidden');
      expect((await refused(m, 'read', { conv: thread, seq: 1 })).code).toBe('forbidden');
    }
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'another' });
    await sleep(200);
    for (const m of [mallory, mallory0]) {
      expect(m.events.filter((f) => f.conv === thread || f.conv === conv)).toEqual([]);
    }
  });

  it('a nested thread is bad_request, a thread of a missing root not_found', async () => {
    const { conv, thread, bob } = await room();
    await bob.ok('send', { to: thread, cid: fresh('c'), text: 'reply' });
    const nested = `thread:${thread}:1`;
    const e = await refused(bob, 'send', { to: nested, cid: fresh('c'), text: 'deeper' });
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/^to: .*threads do not nest/);
    const h = await refused(bob, 'history', { conv: nested });
    expect(h.code).toBe('bad_request');
    expect(h.message).toMatch(/^conv: /);
    const missing = `thread:${conv}:99`;
    const nf = await refused(bob, 'send', { to: missing, cid: fresh('c'), text: 'nobody home' });
    expect(nf.code).toBe('not_found');
    expect(nf.message).toMatch(/^to: /);
    expect((await refused(bob, 'history', { conv: missing })).code).toBe('not_found');
    // Nothing was stored for the refused send: the parent's ver did not move.
    const [root] = (await bob.ok('history', { conv })).messages as Frame[];
    expect(root).toMatchObject({ ver: 2, thread: { replies: 1 } });
  });
});
