import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * The message lifecycle (PROTOCOL 1.1 section 1) on real NATS, Redis and Postgres across two
 * gateways: each op, every refusal, idempotent retries, the events on the other gateway,
 * what history shows after each change, and what a delete leaves in Postgres.
 */
let cluster: Cluster;
let db: pg.Pool;
const clients: RawClient[] = [];
let n = 0;
const fresh = (p: string) => `${p}${++n}`;

async function hello(gw: number, user: string) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) });
  clients.push(r.client);
  return { c: r.client, token: r.hello.token as string };
}

async function refused(c: RawClient, op: string, params: Record<string, unknown>) {
  const r = await c.request(op, params);
  if (!r.error) throw new Error(`${op} succeeded: ${JSON.stringify(r.result)}`);
  return r.error;
}

const events = (c: RawClient, ev: string, conv: string) =>
  c.events.filter((f) => f.ev === ev && f.conv === conv);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const png = (tail: string) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(tail)]);

async function page(c: RawClient, conv: string): Promise<Frame[]> {
  return (await c.ok('history', { conv })).messages as Frame[];
}

/** Alice (gw 1, creator and so owner) and bob (gw 2) in a fresh room, with alice's second session on gw 2. */
async function room() {
  const name = fresh('life');
  const conv = `room:${name}`;
  const { c: alice, token: aliceToken } = await hello(0, 'alice');
  const { c: bob } = await hello(1, 'bob');
  await alice.ok('join', { room: name });
  await bob.ok('join', { room: name });
  // After the joins: its hello finds alice in the room.
  const { c: alice2 } = await hello(1, 'alice');
  return { name, conv, alice, alice2, bob, aliceToken };
}

beforeAll(async () => {
  cluster = await startCluster({ env: { NATTER_EDIT_WINDOW_S: '3', NATTER_MAX_SESSIONS_PER_USER: '200' } });
  db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await db?.end();
  await cluster?.stop();
});

describe('edit', () => {
  it('changes the text for every member on both gateways, once, with the next ver; a retry is the same ver', async () => {
    const { conv, alice, alice2, bob } = await room();
    const sent = await alice.ok('send', { to: conv, cid: fresh('c'), text: 'helo @bob' });
    expect(sent).toMatchObject({ seq: 1, ver: 1 });
    await bob.waitMessages(conv, 1);
    const edit = await alice.ok('edit', { conv, seq: 1, text: 'hello @bob and @nobody' });
    expect(edit).toMatchObject({ conv, seq: 1, ver: 2 });
    expect(edit.edited).toMatch(/Z$/);
    for (const s of [bob, alice2]) {
      const e = await s.waitEvent((f) => f.ev === 'edit' && f.conv === conv);
      expect(e).toEqual({
        ev: 'edit',
        conv,
        seq: 1,
        ver: 2,
        text: 'hello @bob and @nobody',
        edited: edit.edited,
        by: 'alice',
        mentions: ['bob'],
      });
    }
    expect(await alice.ok('edit', { conv, seq: 1, text: 'hello @bob and @nobody' })).toEqual(edit);
    await sleep(200);
    expect(events(bob, 'edit', conv)).toHaveLength(1);
    expect(events(alice, 'edit', conv)).toEqual([]);
    const [m] = await page(bob, conv);
    expect(m).toMatchObject({
      seq: 1,
      ver: 2,
      text: 'hello @bob and @nobody',
      edited: edit.edited,
      mentions: ['bob'],
    });
  });

  it('refuses a non-author, a non-member, an unknown seq, another conversation, long text, and late edits', async () => {
    const { conv, alice, bob } = await room();
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'mine' });
    const { c: eve } = await hello(0, 'eve');
    expect(await refused(bob, 'edit', { conv, seq: 1, text: 'x' })).toMatchObject({ code: 'forbidden' });
    expect(await refused(eve, 'edit', { conv, seq: 1, text: 'x' })).toMatchObject({ code: 'forbidden' });
    expect(await refused(alice, 'edit', { conv, seq: 99, text: 'x' })).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^seq:/),
    });
    const other = await room();
    expect(await refused(alice, 'edit', { conv: other.conv, seq: 1, text: 'x' })).toMatchObject({
      code: 'not_found',
    });
    expect(await refused(alice, 'edit', { conv, seq: 1, text: 'x'.repeat(4001) })).toMatchObject({
      code: 'too_large',
      message: expect.stringMatching(/^text:/),
    });
    expect(await refused(alice, 'edit', { conv, seq: 1, text: '  ' })).toMatchObject({ code: 'bad_request' });
    expect(await refused(alice, 'edit', { conv, seq: 1 })).toMatchObject({ code: 'bad_request' });
    await sleep(3200); // NATTER_EDIT_WINDOW_S=3
    expect(await refused(alice, 'edit', { conv, seq: 1, text: 'too late' })).toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('delete', () => {
  it('leaves a tombstone and removes text, attachments, reactions, mentions, reply previews and the upload bytes', async () => {
    const { conv, alice, bob, aliceToken } = await room();
    const up = await fetch(`${cluster.gateways[0].http}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'image/png' },
      body: png('one'),
    });
    expect(up.status).toBe(201);
    const { url } = (await up.json()) as { url: string };
    const attachment = { url, type: 'image/png', name: 'a.png', size: 11 };
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'look @bob', attachments: [attachment] });
    await bob.ok('send', { to: conv, cid: fresh('c'), text: 'nice', reply: 1 });
    await bob.ok('react', { conv, seq: 1, emoji: '👍' });
    await alice.ok('pin', { conv, seq: 1 });
    const id = url.slice('/v1/uploads/'.length);
    expect((await db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rowCount).toBe(1);

    const del = await alice.ok('delete', { conv, seq: 1 });
    expect(del).toEqual({ conv, seq: 1, ver: 5 });
    const e = await bob.waitEvent((f) => f.ev === 'delete' && f.conv === conv);
    expect(e).toEqual({ ev: 'delete', conv, seq: 1, ver: 5, by: 'alice' });
    const [tomb, reply] = await page(bob, conv);
    expect(Object.keys(tomb).sort()).toEqual(['cid', 'conv', 'deleted', 'from', 'mid', 'seq', 'ts', 'ver']);
    expect(reply.reply).toEqual({ seq: 1, from: 'alice', preview: '' });
    const row = await db.query(
      `SELECT text, attachments, mentions, reactions, reply, pinned_at FROM messages WHERE conv = $1 AND seq = 1`,
      [conv],
    );
    expect(row.rows[0]).toEqual({
      text: null,
      attachments: null,
      mentions: null,
      reactions: null,
      reply: null,
      pinned_at: null,
    });
    expect((await db.query('SELECT 1 FROM reactions WHERE conv = $1', [conv])).rowCount).toBe(0);
    expect(
      (await db.query(`SELECT 1 FROM messages WHERE conv = $1 AND reply->>'preview' <> ''`, [conv])).rowCount,
    ).toBe(0);
    expect((await db.query('SELECT 1 FROM uploads WHERE id = $1', [id])).rowCount).toBe(0);

    // Again: `{}`, and no event. A tombstone takes no edit, reaction or pin.
    expect(await alice.ok('delete', { conv, seq: 1 })).toEqual({});
    for (const [op, extra] of [
      ['edit', { text: 'x' }],
      ['react', { emoji: '👍' }],
      ['pin', {}],
    ] as const) {
      expect(await refused(alice, op, { conv, seq: 1, ...extra })).toMatchObject({ code: 'not_found' });
    }
    await sleep(200);
    expect(events(bob, 'delete', conv)).toHaveLength(1);
  });

  it('keeps an upload another message still attaches', async () => {
    const { conv, alice, aliceToken } = await room();
    const up = await fetch(`${cluster.gateways[1].http}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'image/png' },
      body: png('shared'),
    });
    const { url } = (await up.json()) as { url: string };
    const attachments = [{ url, type: 'image/png', name: 'a.png', size: 14 }];
    await alice.ok('send', { to: conv, cid: fresh('c'), attachments });
    await alice.ok('send', { to: conv, cid: fresh('c'), attachments });
    await alice.ok('delete', { conv, seq: 1 });
    expect((await db.query('SELECT 1 FROM uploads WHERE id = $1', [url.slice(12)])).rowCount).toBe(1);
  });

  it('is the author’s or the room owner’s (its creator) to make; another member is forbidden', async () => {
    const { conv, alice, bob } = await room();
    const { c: carol } = await hello(0, 'carol');
    await carol.ok('join', { room: conv.slice(5) });
    await bob.ok('send', { to: conv, cid: fresh('c'), text: 'by bob' });
    await bob.ok('send', { to: conv, cid: fresh('c'), text: 'by bob too' });
    expect(await refused(carol, 'delete', { conv, seq: 1 })).toMatchObject({ code: 'forbidden' });
    expect(await alice.ok('delete', { conv, seq: 1 })).toMatchObject({ seq: 1 });
    expect(await bob.ok('delete', { conv, seq: 2 })).toMatchObject({ seq: 2 });
    expect(await refused(bob, 'delete', { conv, seq: 3 })).toMatchObject({ code: 'not_found' });
  });
});

describe('reactions', () => {
  it('are one per user and emoji, in order of first use, announced on both gateways; past 20 emoji too_large', async () => {
    const { conv, alice, alice2, bob } = await room();
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'react to me' });
    const r = await bob.ok('react', { conv, seq: 1, emoji: '👍' });
    expect(r).toEqual({ ver: 2 });
    expect(await bob.ok('react', { conv, seq: 1, emoji: '👍' })).toEqual({ ver: 2, changed: false });
    await alice.ok('react', { conv, seq: 1, emoji: '🎉' });
    await alice.ok('react', { conv, seq: 1, emoji: '👍' });
    for (const s of [alice, alice2]) {
      expect(await s.waitEvent((f) => f.ev === 'reaction' && f.conv === conv && f.user === 'bob')).toEqual({
        ev: 'reaction',
        conv,
        seq: 1,
        ver: 2,
        user: 'bob',
        emoji: '👍',
        on: true,
      });
    }
    await bob.waitEvent((f) => f.ev === 'reaction' && f.ver === 4);
    expect((await page(bob, conv))[0].reactions).toEqual([
      { emoji: '👍', count: 2, users: ['bob', 'alice'] },
      { emoji: '🎉', count: 1, users: ['alice'] },
    ]);
    expect(await alice.ok('unreact', { conv, seq: 1, emoji: '🎉' })).toEqual({ ver: 5 });
    expect(await alice.ok('unreact', { conv, seq: 1, emoji: '🎉' })).toEqual({ ver: 5, changed: false });
    await bob.waitEvent((f) => f.ev === 'reaction' && f.ver === 5 && f.on === false);
    for (let i = 0; i < 19; i++) await bob.ok('react', { conv, seq: 1, emoji: `e${i}` });
    expect(await refused(bob, 'react', { conv, seq: 1, emoji: 'e19' })).toMatchObject({
      code: 'too_large',
      message: expect.stringMatching(/^emoji:/),
    });
    for (const emoji of ['', 'a b', 'x'.repeat(33), 7]) {
      expect(await refused(bob, 'react', { conv, seq: 1, emoji })).toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(/^emoji:/),
      });
    }
    expect(await refused(bob, 'react', { conv, seq: 2, emoji: '👍' })).toMatchObject({ code: 'not_found' });
  });
});

describe('pins', () => {
  it('are the room owner’s; pins lists them newest first; in a DM either user pins', async () => {
    const { conv, alice, bob } = await room();
    for (let i = 0; i < 3; i++) await bob.ok('send', { to: conv, cid: fresh('c'), text: `m${i}` });
    expect(await refused(bob, 'pin', { conv, seq: 1 })).toMatchObject({ code: 'forbidden' });
    expect(await alice.ok('pin', { conv, seq: 1 })).toEqual({ ver: 4 });
    expect(await alice.ok('pin', { conv, seq: 1 })).toEqual({ ver: 4, changed: false });
    await alice.ok('pin', { conv, seq: 3 });
    expect(await bob.waitEvent((f) => f.ev === 'pin' && f.conv === conv && f.seq === 3)).toEqual({
      ev: 'pin',
      conv,
      seq: 3,
      ver: 5,
      on: true,
      by: 'alice',
    });
    const pins = (await bob.ok('pins', { conv })).pins as Frame[];
    expect(pins.map((m) => m.seq)).toEqual([3, 1]);
    expect(pins[0].pinned).toMatchObject({ by: 'alice' });
    expect(await alice.ok('unpin', { conv, seq: 3 })).toEqual({ ver: 6 });
    expect(await alice.ok('unpin', { conv, seq: 2 })).toEqual({ ver: 2, changed: false });
    const { c: eve } = await hello(0, 'eve');
    expect(await refused(eve, 'pins', { conv })).toMatchObject({ code: 'forbidden' });

    const dm = 'dm:alice:bob';
    const s = await bob.ok('send', { to: 'user:alice', cid: fresh('c'), text: 'pin me' });
    const p = await bob.ok('pin', { conv: dm, seq: s.seq });
    expect(await alice.waitEvent((f) => f.ev === 'pin' && f.conv === dm)).toMatchObject({
      ver: p.ver,
      by: 'bob',
    });
    expect(await refused(eve, 'pin', { conv: dm, seq: s.seq })).toMatchObject({ code: 'forbidden' });
  });
});

describe('replies and mentions', () => {
  it('store a preview of the message answered and the members named', async () => {
    const { conv, alice, bob } = await room();
    const long = `${'é'.repeat(99)}🎉 and more`;
    await alice.ok('send', { to: conv, cid: fresh('c'), text: long });
    await bob.ok('send', { to: conv, cid: fresh('c'), text: '@alice. yes @eve @bob', reply: 1 });
    const m = await alice.waitEvent((f) => f.ev === 'message' && f.conv === conv && f.seq === 2);
    expect(m.reply).toEqual({ seq: 1, from: 'alice', preview: `${'é'.repeat(99)}🎉` });
    expect(m.mentions).toEqual(['alice', 'bob']);
    expect(await refused(bob, 'send', { to: conv, cid: fresh('c'), text: 'x', reply: 9 })).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^reply:/),
    });
    await bob.ok('edit', { conv, seq: 2, text: 'no one now' });
    expect((await page(alice, conv))[1].mentions).toBeUndefined();
  });
});
