import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NatterClient } from '../src/client.ts';
import type { NatterClientOptions } from '../src/options.ts';
import { ReceivedSender } from '../src/received.ts';
import { FakeServer, messageEvent } from './fake-server.ts';

let server: FakeServer;
const clients: NatterClient[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

function makeClient(opts: Partial<NatterClientOptions> = {}): NatterClient {
  const client = new NatterClient({
    url: server.url,
    WebSocket,
    user: 'alice',
    reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    heartbeat: false,
    ...opts,
  });
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `received` frames as [conv, seq, ms since `t0`]. */
function receivedFrames(t0: number, at: Map<object, number>) {
  return server.requests('received').map((r) => [r.conv, r.seq, (at.get(r) ?? 0) - t0] as const);
}

describe('SDK delivery receipts', () => {
  it('sends received for what was delivered: at most once a second per conversation, the highest seq', async () => {
    const client = makeClient();
    await client.connect();
    const at = new Map<object, number>();
    const stamp = () => {
      for (const r of server.requests('received')) if (!at.has(r)) at.set(r, Date.now());
    };
    const t0 = Date.now();
    const watcher = setInterval(stamp, 5);
    try {
      for (let seq = 1; seq <= 300; seq++) server.push(messageEvent('room:general', seq));
      for (let seq = 1; seq <= 3; seq++) server.push(messageEvent('dm:alice:bob', seq));
      await server.until(
        () => server.requests('received').some((r) => r.conv === 'room:general' && r.seq === 300),
        'received 300',
      );
      await server.until(
        () => server.requests('received').some((r) => r.conv === 'dm:alice:bob' && r.seq === 3),
        'received 3 in the DM',
      );
      await sleep(1300); // anything more would come within the next interval
      stamp();
    } finally {
      clearInterval(watcher);
    }
    const frames = receivedFrames(t0, at);
    for (const conv of ['room:general', 'dm:alice:bob']) {
      const mine = frames.filter((f) => f[0] === conv);
      // The first delivery goes at once; the rest wait for the interval and go as one.
      expect(mine.length).toBeLessThanOrEqual(2);
      expect(mine.at(-1)?.[1]).toBe(conv === 'room:general' ? 300 : 3);
      if (mine.length === 2) expect(mine[1][2] - mine[0][2]).toBeGreaterThanOrEqual(900);
      // Seqs only grow, and no frame asks for a reply.
      expect(mine.map((f) => f[1])).toEqual([...mine.map((f) => f[1])].sort((a, b) => a - b));
    }
    expect(server.requests('received').every((r) => r.id === undefined)).toBe(true);
  });

  it('sends nothing for its own messages, for repeats, or with sendReceived: false', async () => {
    const client = makeClient();
    await client.connect();
    server.push({ ...messageEvent('dm:alice:bob', 1), from: 'alice' });
    server.push(messageEvent('dm:alice:bob', 2));
    await server.until(() => server.requests('received').length === 1, 'one received');
    server.push(messageEvent('dm:alice:bob', 2)); // a repeat: dropped before the app
    await sleep(1200);
    expect(server.requests('received').map((r) => [r.conv, r.seq])).toEqual([['dm:alice:bob', 2]]);

    const quiet = makeClient({ user: 'carol', sendReceived: false });
    await quiet.connect();
    const got = new Promise((resolve) => quiet.once('message', resolve));
    server.push(messageEvent('room:general', 1));
    await got;
    await sleep(100);
    expect(server.requests('received')).toHaveLength(1);
  });

  it('emits received events and answers receipts()', async () => {
    const client = makeClient();
    await client.connect();
    const event = new Promise((resolve) => client.once('received', resolve));
    server.push({ ev: 'received', conv: 'dm:alice:bob', user: 'bob', seq: 7 });
    expect(await event).toEqual({ conv: 'dm:alice:bob', user: 'bob', seq: 7 });
    expect(await client.receipts('room:general', 5)).toEqual({ read: ['bob'], received: ['bob', 'carol'] });
    expect(server.requests('receipts')[0]).toMatchObject({ op: 'receipts', conv: 'room:general', seq: 5 });
  });
});

describe('ReceivedSender', () => {
  it('keeps what it could not send and sends it when a session opens', () => {
    let now = 0;
    let live = false;
    const sent: [string, number][] = [];
    const r = new ReceivedSender({
      send: (conv, seq) => {
        if (live) sent.push([conv, seq]);
        return live;
      },
      now: () => now,
    });
    r.delivered('room:a', 4);
    r.delivered('room:a', 6);
    expect(sent).toEqual([]);
    live = true;
    r.resume();
    expect(sent).toEqual([['room:a', 6]]);
    now = 500;
    r.delivered('room:a', 5);
    r.delivered('room:b', 1);
    expect(sent).toEqual([
      ['room:a', 6],
      ['room:b', 1],
    ]);
    r.stop();
  });
});
