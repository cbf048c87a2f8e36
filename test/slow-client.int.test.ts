import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
// The per-connection frame bound is a property of the gateway's Session alone: tested on it
// directly, over a real socket, since reaching it through a whole gateway takes minutes.
import { Session } from '../services/gateway/src/session.ts';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * A slow client never slows others (DESIGN.md promise 5): one connection that stops
 * reading while 100 others receive a stream of room messages is closed with 4009 once its
 * outgoing buffer passes NATTER_MAX_BUFFERED_BYTES, the 100 get everything in order, and
 * the slow one resumes with `since` and gets what it missed.
 */
const MAX_BUFFERED = 256 * 1024;
const ROOM = 'stream';
const CONV = `room:${ROOM}`;
const RECEIVERS = 100;

let cluster: Cluster;
const sockets: WebSocket[] = [];

/** A lean receiver: only the seqs of `room:stream` messages, to keep 100 of them cheap. */
interface Receiver {
  ws: WebSocket;
  seqs: number[];
  closed?: number;
}

/** Connects, says hello, joins the room; resolves once synced. */
async function receiver(url: string, user: string, since?: Record<string, number>): Promise<Receiver> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const r: Receiver = { ws, seqs: [] };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const replies = new Map<number, (f: Record<string, unknown>) => void>();
  let synced: () => void = () => {};
  const isSynced = new Promise<void>((resolve) => {
    synced = resolve;
  });
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"ev":"message"')) {
      const f = JSON.parse(text) as { conv: string; seq: number };
      if (f.conv === CONV) r.seqs.push(f.seq);
      return;
    }
    const f = JSON.parse(text) as Record<string, unknown>;
    if (f.ev === 'synced') synced();
    if (typeof f.re === 'number') replies.get(f.re)?.(f);
  });
  ws.on('close', (code) => {
    r.closed = code;
  });
  const request = (id: number, frame: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      replies.set(id, (f) => (f.error ? reject(new Error(JSON.stringify(f.error))) : resolve(f)));
      ws.send(JSON.stringify({ id, ...frame }));
    });
  await request(1, { op: 'hello', token: await token(user), ...(since ? { since } : {}) });
  await isSynced;
  await request(2, { op: 'join', room: ROOM });
  return r;
}

/** `base`: the gateway's HTTP_PORT, where its /metrics live. */
async function closes4009(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('natter_gateway_closes_total{') && l.includes('"4009"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  cluster = await startCluster({
    gateways: 1,
    env: {
      NATTER_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
      // The streamer sends far faster than a person: lift its rate limits.
      NATTER_RATE_SENDS_PER_SEC: '100000',
      NATTER_RATE_SENDS_BURST: '100000',
      NATTER_RATE_REQUESTS_PER_SEC: '100000',
      NATTER_RATE_REQUESTS_BURST: '100000',
      NATTER_USER_SENDS_PER_MIN: '100000',
    },
  });
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await cluster?.stop();
});

describe('a client that stops reading', () => {
  it('is closed with 4009 while 100 others get every message in order, then resumes with since', async () => {
    const gw = cluster.gateways[0];
    const slow = await receiver(gw.url, 'slow');
    const others: Receiver[] = [];
    for (let i = 0; i < RECEIVERS; i += 10) {
      others.push(
        ...(await Promise.all(Array.from({ length: 10 }, (_, j) => receiver(gw.url, `reader${i + j}`)))),
      );
    }
    const { client: sender } = await RawClient.hello(gw.url, { token: await token('streamer') });
    await sender.ok('join', { room: ROOM });

    // The slow one stops reading: its kernel buffers fill, then the gateway's queue for it.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const before = await closes4009(gw.metrics);

    // Stream until the gateway gave up on the slow one, in batches the others can take.
    const text = 'x'.repeat(3000);
    let sent = 0;
    while ((await closes4009(gw.metrics)) === before) {
      if (sent > 5000) throw new Error('5000 messages and the slow client was not closed');
      const batch = [];
      for (let i = 0; i < 20; i++) batch.push(sender.ok('send', { to: CONV, cid: `s-${++sent}`, text }));
      await Promise.all(batch);
    }
    // A little more after the close, which the slow one must get from resume.
    for (let i = 0; i < 20; i++) await sender.ok('send', { to: CONV, cid: `s-${++sent}`, text });

    // The others were not held up: each has every message, in order, while the slow one is still paused.
    const all = Array.from({ length: sent }, (_, i) => i + 1);
    await until('every reader to have every message', () => others.every((r) => r.seqs.length >= sent));
    for (const r of others) expect(r.seqs).toEqual(all);
    expect(others.every((r) => r.closed === undefined)).toBe(true);

    // The slow one reads again: what was queued before the limit, then the 4009 close.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await until('the slow client to see its close', () => slow.closed !== undefined, 60_000);
    expect(slow.closed).toBe(4009);
    const had = slow.seqs;
    console.log(`slow client: closed 4009 after ${sent} messages were sent, it had read ${had.length}`);
    expect(had).toEqual(had.map((_, i) => i + 1)); // a prefix, in order
    expect(had.length).toBeLessThan(sent);

    // It resumes with since and gets exactly what it missed.
    const back = await receiver(gw.url, 'slow', { [CONV]: had.length });
    expect(back.seqs).toEqual(all.slice(had.length));
  });
});

describe('the per-connection frame bound', () => {
  /** A Session on a real socket pair; the client side reads or not. */
  async function pair(read: boolean, maxQueuedFrames: number) {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const serverSide = new Promise<import('ws').WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    sockets.push(client);
    await new Promise<void>((resolve) => client.once('open', () => resolve()));
    if (!read) (client as unknown as { _socket: Socket })._socket.pause();
    let slow = 0;
    const s = new Session('s_test', await serverSide, '127.0.0.1', {
      maxBufferedBytes: 1 << 30,
      maxPendingEvents: 10,
      maxQueuedFrames,
      onSlow: () => slow++,
    });
    return { s, wss, slowCount: () => slow };
  }

  /** Sends small frames, 50 per turn of the event loop, until `stop` or `total`. */
  async function stream(s: Session, total: number, stop: () => boolean): Promise<number> {
    let n = 0;
    while (n < total && !stop()) {
      for (let i = 0; i < 50; i++) s.sendRaw(`{"ev":"typing","conv":"room:x","user":"u${n++}"}`);
      await new Promise((r) => setImmediate(r));
    }
    return n;
  }

  it('closes a reader of many small frames that stops reading, long before the byte limit', async () => {
    const { s, wss, slowCount } = await pair(false, 1000);
    const n = await stream(s, 1_000_000, () => slowCount() > 0);
    expect(slowCount()).toBeGreaterThan(0);
    expect(s.ws.bufferedAmount).toBeLessThan(1 << 30);
    console.log(`frame bound: slow after ${n} small frames, ${s.ws.bufferedAmount} bytes queued`);
    wss.close();
  });

  it('never trips for a client that reads', async () => {
    const { s, wss, slowCount } = await pair(true, 1000);
    await stream(s, 50_000, () => false);
    expect(slowCount()).toBe(0);
    wss.close();
  });
});
