import { type ChangeEvent, NatterClient, type ThreadEvent, threadOf } from '@natter/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';

/**
 * The SDK (@natter/client) on the real distributed system (two gateways, NATS, Redis,
 * Postgres): changes go through its outbox and survive a lost connection, each acknowledged
 * once and stored once; threads open, take replies and announce their root's summary.
 */
let cluster: Cluster;
const clients: NatterClient[] = [];
let n = 0;
const fresh = (p: string) => `${p}${++n}`;

/** A WebSocket whose sockets the test can cut (a real network failure, seen by both ends). */
function cuttable() {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked as unknown as typeof WebSocket, cut: () => sockets.at(-1)?.terminate() };
}

async function client(gw: number, user: string, ws: typeof WebSocket = WebSocket): Promise<NatterClient> {
  const c = new NatterClient({
    url: cluster.gateways[gw].url,
    WebSocket: ws,
    token: await token(user),
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  clients.push(c);
  await c.connect();
  return c;
}

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('SDK changes through the outbox', () => {
  it('a react and an edit made as the connection is lost are retried in order and stored exactly once', async () => {
    const room = fresh('sdkc');
    const conv = `room:${room}` as const;
    const net = cuttable();
    const alice = await client(0, 'alice', net.WebSocket);
    const bob = await client(1, 'bob');
    await alice.create(room);
    await bob.join(room);
    const { seq } = await alice.send(conv, { text: 'first' });
    const bobChanges: ChangeEvent[] = [];
    bob.on('change', (c) => bobChanges.push(c));

    const retried: string[] = [];
    alice.on('outbox', (e) => {
      if (e.change === 'retrying') retried.push(e.op);
    });
    // The react is sent, then the socket dies before its answer: it is retried. The edit waits
    // behind it (one conversation's changes go out in order).
    const reacted = alice.react(conv, seq, '👍');
    const edited = alice.edit(conv, seq, 'first, edited');
    net.cut();
    const [ver, edit] = await Promise.all([reacted, edited]);
    expect(edit.ver).toBeGreaterThan(ver); // in order per conversation
    expect(retried).toEqual(['react']);
    expect(alice.pending).toBe(0);

    const { messages } = await bob.history(conv);
    const stored = messages.find((m) => m.seq === seq);
    expect(stored).toMatchObject({ text: 'first, edited', ver: edit.ver });
    expect(stored?.reactions).toEqual([{ emoji: '👍', count: 1, users: ['alice'] }]);
    await expect.poll(() => alice.store.get(conv, seq)?.ver, { timeout: 5000 }).toBe(edit.ver);
    expect(alice.store.get(conv, seq)).toMatchObject({
      text: 'first, edited',
      reactions: [{ emoji: '👍', count: 1, users: ['alice'] }],
    });
    // The other session was told of each change once.
    await expect.poll(() => bobChanges.length, { timeout: 5000 }).toBe(2);
    expect(bobChanges.map((c) => c.ev)).toEqual(['reaction', 'edit']);
  });

  it('a change made before any session waits for one; a refusal fails it', async () => {
    const room = fresh('sdkw');
    const conv = `room:${room}` as const;
    const alice = await client(0, 'alice');
    await alice.create(room);
    const { seq } = await alice.send(conv, { text: 'pin me' });
    const later = new NatterClient({ url: cluster.gateways[1].url, WebSocket, token: await token('alice') });
    clients.push(later);
    const pinned = later.pin(conv, seq);
    expect(later.pending).toBe(1);
    await later.connect();
    expect(await pinned).toBeGreaterThan(1);
    const bob = await client(1, 'bob');
    await bob.join(room);
    await expect(bob.edit(conv, seq, 'not mine')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(bob.pin(conv, seq)).rejects.toMatchObject({ code: 'forbidden' });
    expect(bob.pending).toBe(0);
  });
});

describe('SDK threads', () => {
  it('opens a thread, sends into it, and announces the root summary on the other gateway', async () => {
    const room = fresh('sdkt');
    const conv = `room:${room}` as const;
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.create(room);
    await bob.join(room);
    const { seq } = await alice.send(conv, { text: 'root' });
    await bob.history(conv);
    const empty = await bob.openThread(conv, seq);
    expect(empty).toMatchObject({ conv: threadOf(conv, seq), messages: [] });
    expect(empty.root).toMatchObject({ text: 'root' });

    const summaries: ThreadEvent[] = [];
    alice.on('thread', (t) => summaries.push(t));
    const r = await bob.sendThread(conv, seq, { text: 'a reply' });
    expect(r).toMatchObject({ conv: threadOf(conv, seq), seq: 1 });
    await expect.poll(() => summaries.length, { timeout: 5000 }).toBe(1);
    expect(summaries[0]).toMatchObject({ conv, seq, replies: 1, users: ['bob'] });
    expect(alice.store.get(conv, seq)?.thread).toMatchObject({ replies: 1, users: ['bob'] });

    const opened = await alice.openThread(conv, seq);
    expect(opened.messages.map((m) => m.text)).toEqual(['a reply']);
    // A nested thread is refused before anything goes out.
    expect(() => threadOf(threadOf(conv, seq), 1)).toThrow(TypeError);
    await expect(bob.history(`thread:${threadOf(conv, seq)}:1`)).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
