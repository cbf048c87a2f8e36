import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Unread mention counts in `convs` entries (PROTOCOL 1.1 "Mentions") on real NATS, Redis and
 * Postgres across two gateways: counted past the user's read marker, recomputed by an edit,
 * dropped by a delete, cleared by `read`, per user in a batch of concurrent hellos, and in
 * DMs and threads too.
 */
let cluster: Cluster;
const clients: RawClient[] = [];
let n = 0;
const fresh = (p: string) => `${p}${++n}`;

async function hello(gw: number, user: string) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) });
  clients.push(r.client);
  return { c: r.client, convs: r.hello.convs as Frame[] };
}

/** The `convs` entry of `conv` in a fresh hello of `user` (on the other gateway than alice). */
async function entry(user: string, conv: string, gw = 1) {
  const { c, convs } = await hello(gw, user);
  c.close();
  return convs.find((x) => x.conv === conv);
}

beforeAll(async () => {
  cluster = await startCluster({ env: { NATTER_MAX_SESSIONS_PER_USER: '200' } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('mentions in convs', () => {
  it('counts messages past the read marker that mention the user; edit, delete and read change the count', async () => {
    const name = fresh('men');
    const conv = `room:${name}`;
    const { c: alice } = await hello(0, 'alice');
    const { c: bob } = await hello(1, 'bob');
    const { c: carol } = await hello(1, 'carol');
    await alice.ok('create', { room: name });
    await bob.ok('join', { room: name });
    await carol.ok('join', { room: name });
    const send = (text: string) => alice.ok('send', { to: conv, cid: fresh('c'), text });
    await send('hi @bob'); // 1
    await send('@bob and @carol, and @mallory who is not here'); // 2
    await send('plain'); // 3
    await send('@bob again'); // 4
    await bob.waitMessages(conv, 4);

    expect(await entry('bob', conv)).toMatchObject({ seq: 4, read: 0, mentions: 3 });
    expect(await entry('carol', conv)).toMatchObject({ seq: 4, read: 0, mentions: 1 });
    // A sender does not count its own mentions; a non-member named in a text is no mention.
    expect((await entry('alice', conv))?.mentions).toBeUndefined();
    await (await hello(0, 'mallory')).c.ok('join', { room: name });
    expect((await entry('mallory', conv))?.mentions).toBeUndefined();

    // Read up to 1: the mentions at or below the marker no longer count.
    await bob.ok('read', { conv, seq: 1 });
    expect(await entry('bob', conv)).toMatchObject({ read: 1, mentions: 2 });
    // An edit recomputes: dropping @bob from 2 and adding him to 3.
    await alice.ok('edit', { conv, seq: 2, text: 'only @carol now' });
    expect(await entry('bob', conv)).toMatchObject({ mentions: 1 });
    await alice.ok('edit', { conv, seq: 3, text: 'plain, @bob' });
    expect(await entry('bob', conv)).toMatchObject({ mentions: 2 });
    // A delete removes the message's mentions.
    await alice.ok('delete', { conv, seq: 4 });
    expect(await entry('bob', conv)).toMatchObject({ mentions: 1 });
    expect(await entry('carol', conv)).toMatchObject({ mentions: 1 });
    // A read past everything clears the count: the entry carries no mentions.
    await bob.ok('read', { conv, seq: 4 });
    const cleared = await entry('bob', conv);
    expect(cleared).toMatchObject({ read: 4 });
    expect(cleared?.mentions).toBeUndefined();
    // An edit of what was already read brings no count back.
    await alice.ok('edit', { conv, seq: 1, text: 'hi again @bob' });
    expect((await entry('bob', conv))?.mentions).toBeUndefined();
  });

  it('answers each user its own count in a batch of concurrent hellos', async () => {
    const name = fresh('batch');
    const conv = `room:${name}`;
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const { c: alice } = await hello(0, 'alice');
    await alice.ok('create', { room: name });
    for (const u of users) await (await hello(1, u)).c.ok('join', { room: name });
    // u<k> is mentioned k times.
    for (const [k, u] of users.entries()) {
      for (let i = 0; i <= k; i++) await alice.ok('send', { to: conv, cid: fresh('c'), text: `@${u} #${i}` });
    }
    const entries = await Promise.all(users.map((u) => entry(u, conv)));
    expect(entries.map((e) => e?.mentions)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('counts mentions in DMs and in threads, each conversation on its own', async () => {
    const name = fresh('thm');
    const conv = `room:${name}`;
    const { c: alice } = await hello(0, 'alice');
    const { c: dave } = await hello(1, 'dave');
    await alice.ok('create', { room: name });
    await dave.ok('join', { room: name });
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'the root' });
    const thread = `thread:${conv}:1`;
    await alice.ok('send', { to: thread, cid: fresh('c'), text: 'in the thread, @dave' });
    await alice.ok('send', { to: 'user:dave', cid: fresh('c'), text: '@dave see the thread' });
    const { c, convs } = await hello(1, 'dave');
    c.close();
    const dm = convs.find((x) => x.conv === 'dm:alice:dave');
    expect(dm).toMatchObject({ mentions: 1, peer: { read: expect.any(Number) } });
    expect(convs.find((x) => x.conv === thread)).toMatchObject({ seq: 1, mentions: 1 });
    expect(convs.find((x) => x.conv === conv)?.mentions).toBeUndefined();
    await dave.ok('read', { conv: thread, seq: 1 });
    expect((await entry('dave', thread))?.mentions).toBeUndefined();
    expect(await entry('dave', 'dm:alice:dave')).toMatchObject({ mentions: 1 });
  });
});
