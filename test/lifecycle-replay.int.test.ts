import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Replay of changes (PROTOCOL 1.1): `since` `{seq, ver}` in hello, on real parts across two
 * gateways. A client that was away gets exactly the changes it missed in ver order (new
 * messages after its seq, update/delete for what it had), then `synced`; past 500 changed
 * messages, one `refetch`.
 */
let cluster: Cluster;
const clients: RawClient[] = [];
let n = 0;
const fresh = (p: string) => `${p}${++n}`;

async function hello(gw: number, user: string, extra: Record<string, unknown> = {}) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) }, extra);
  clients.push(r.client);
  return r;
}

/** Every event of `conv` the session got before `synced`. */
function replayed(c: RawClient, conv: string): Frame[] {
  const end = c.events.findIndex((f) => f.ev === 'synced');
  return c.events.slice(0, end).filter((f) => f.conv === conv);
}

async function inChunks<T>(items: T[], fn: (x: T) => Promise<unknown>, size = 50) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function history(c: RawClient, conv: string): Promise<Frame[]> {
  const out: Frame[] = [];
  let after = 0;
  for (;;) {
    const r = await c.ok('history', { conv, after, limit: 200 });
    out.push(...(r.messages as Frame[]));
    if (!r.more) return out;
    after = out[out.length - 1].seq as number;
  }
}

beforeAll(async () => {
  cluster = await startCluster({ env: { NATTER_MAX_SESSIONS_PER_USER: '200' } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('since {seq, ver}', () => {
  it('replays exactly the missed changes in ver order, each message in its current state, then synced', async () => {
    const room = fresh('away');
    const conv = `room:${room}`;
    const { client: alice } = await hello(0, 'alice');
    const { client: bob } = await hello(1, 'bob');
    await alice.ok('join', { room });
    await bob.ok('join', { room });
    for (let i = 1; i <= 6; i++) await alice.ok('send', { to: conv, cid: fresh('c'), text: `m${i}` });
    await bob.ok('react', { conv, seq: 6, emoji: '👀' });
    const { client: carol } = await hello(0, 'carol');
    await carol.ok('join', { room });
    carol.close();
    // Where carol stands, as hello's convs says: the latest seq and ver.
    const { client: peek, hello: h } = await hello(0, 'carol');
    expect((h.convs as Frame[]).find((c) => c.conv === conv)).toMatchObject({ seq: 6, ver: 7 });
    peek.close();

    // While carol is away: edits, deletes, reactions and pins of what she had, and new messages.
    await alice.ok('edit', { conv, seq: 2, text: 'm2 edited' });
    await bob.ok('react', { conv, seq: 3, emoji: '👍' });
    await alice.ok('delete', { conv, seq: 4 });
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'm7' });
    await bob.ok('react', { conv, seq: 7, emoji: '🎉' });
    await alice.ok('pin', { conv, seq: 1 });
    await alice.ok('edit', { conv, seq: 2, text: 'm2 edited twice' });
    await alice.ok('send', { to: conv, cid: fresh('c'), text: 'm8' });
    await alice.ok('delete', { conv, seq: 8 });
    // m7 changes after m8 did: its ver is now above m8's, yet it must come first (by seq).
    await alice.ok('edit', { conv, seq: 7, text: 'm7 edited' });

    const { client: back } = await hello(1, 'carol', { since: { [conv]: { seq: 6, ver: 7 } } });
    const now = await history(back, conv);
    // The changes of what carol had, in ver order; then the new messages in seq order, each
    // in its current state (a client takes a message only above the highest seq it has).
    const changes = now
      .filter((m) => (m.ver as number) > 7 && (m.seq as number) <= 6)
      .sort((a, b) => (a.ver as number) - (b.ver as number))
      .map((m) =>
        m.deleted
          ? { ev: 'delete', conv, seq: m.seq, ver: m.ver }
          : { ev: 'update', conv, seq: m.seq, ver: m.ver, message: m },
      );
    const news = now
      .filter((m) => (m.seq as number) > 6)
      .sort((a, b) => (a.seq as number) - (b.seq as number))
      .map((m) => ({ ev: 'message', ...m }));
    const got = replayed(back, conv);
    expect(got).toEqual([...changes, ...news]);
    expect(got.map((f) => [f.ev, f.seq])).toEqual([
      ['update', 3],
      ['delete', 4],
      ['update', 1],
      ['update', 2],
      ['message', 7], // with its reaction and its edit, though its ver is now above m8's
      ['message', 8], // a tombstone already
    ]);
    expect(got[3].message).toMatchObject({ text: 'm2 edited twice' });
    expect(got[4]).toMatchObject({ seq: 7, text: 'm7 edited' });
    expect(got[5]).toMatchObject({ seq: 8, deleted: expect.any(String) });
    expect((got[4].ver as number) > (got[5].ver as number)).toBe(true);
    const changeVers = got.slice(0, 4).map((f) => f.ver as number);
    expect(changeVers).toEqual([...changeVers].sort((a, b) => a - b));

    // Live from there on, in ver order.
    const live = await bob.ok('react', { conv, seq: 2, emoji: '✅' });
    expect(await back.waitEvent((f) => f.ev === 'reaction' && f.conv === conv)).toMatchObject({
      ver: live.ver,
      seq: 2,
    });

    // A version 1 client (since a number) gets the messages after its seq, as before.
    const { client: v1 } = await hello(0, 'carol', { since: { [conv]: 6 } });
    expect(replayed(v1, conv).map((f) => [f.ev, f.seq])).toEqual([
      ['message', 7],
      ['message', 8],
    ]);
  });

  it('sends refetch instead past 500 changed messages', async () => {
    const room = fresh('busy');
    const conv = `room:${room}`;
    const { client: alice } = await hello(0, 'alice');
    const { client: bob } = await hello(1, 'bob');
    await alice.ok('join', { room });
    await bob.ok('join', { room });
    const { client: carol } = await hello(0, 'carol');
    await carol.ok('join', { room });
    const seqs = Array.from({ length: 501 }, (_, i) => i + 1);
    await inChunks(seqs, (i) => alice.ok('send', { to: conv, cid: fresh('c'), text: `m${i}` }));
    const since = { [conv]: { seq: 501, ver: 501 } };
    await inChunks(seqs.slice(0, 500), (seq) => bob.ok('react', { conv, seq, emoji: '👍' }));
    const { client: c500 } = await hello(1, 'carol', { since });
    const got = replayed(c500, conv);
    expect(got).toHaveLength(500);
    expect(got.every((f) => f.ev === 'update')).toBe(true);
    expect(got.map((f) => f.ver)).toEqual(Array.from({ length: 500 }, (_, i) => 502 + i));

    const last = await bob.ok('react', { conv, seq: 501, emoji: '👍' });
    const { client: c501 } = await hello(0, 'carol', { since });
    expect(replayed(c501, conv)).toEqual([{ ev: 'refetch', conv, ver: last.ver }]);
  });
});
