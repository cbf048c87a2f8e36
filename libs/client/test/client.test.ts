import type { MessageView } from '@natter/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NatterClient } from '../src/client.ts';
import type { ClientEvents } from '../src/events.ts';
import type { NatterClientOptions } from '../src/options.ts';
import { FakeServer, fakeJwt, messageEvent } from './fake-server.ts';

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
    device: 'test',
    reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    ...opts,
  });
  clients.push(client);
  return client;
}

/** Resolves with the first `event` payload that matches. */
function nextEvent<K extends keyof ClientEvents>(
  client: NatterClient,
  event: K,
  match: (payload: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching ${String(event)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

function collectMessages(client: NatterClient): MessageView[] {
  const seen: MessageView[] = [];
  client.on('message', (m) => seen.push(m));
  return seen;
}

const hellos = () => server.requests('hello');

describe('session', () => {
  it('says hello, then on reconnect sends since with the highest seq delivered per conversation', async () => {
    const client = makeClient();
    const result = await client.connect();
    expect(result.user).toBe('alice');
    expect(client.state).toBe('open');
    expect(client.token).toBe('tok');
    expect(hellos()[0]).toMatchObject({ op: 'hello', user: 'alice', device: 'test' });
    expect(hellos()[0]?.since).toBeUndefined(); // it has received nothing yet

    const seen = collectMessages(client);
    const last = nextEvent(client, 'message', (m) => m.conv === 'dm:alice:bob');
    for (const seq of [1, 2, 3]) server.push(messageEvent('room:general', seq));
    server.push(messageEvent('dm:alice:bob', 5));
    await last;
    expect(seen.map((m) => `${m.conv}#${m.seq}`)).toEqual([
      'room:general#1',
      'room:general#2',
      'room:general#3',
      'dm:alice:bob#5',
    ]);
    expect(client.lastSeq('room:general')).toBe(3);

    const reopened = nextEvent(client, 'hello');
    server.dropLatest(1001);
    await reopened;
    expect(hellos()).toHaveLength(2);
    expect(hellos()[1]?.since).toEqual({ 'room:general': 3, 'dm:alice:bob': 5 });
    expect(client.state).toBe('open');
  });

  it('drops messages whose seq it already delivered, also when replayed after a reconnect', async () => {
    const client = makeClient();
    await client.connect();
    const seen = collectMessages(client);
    let done = nextEvent(client, 'message', (m) => m.seq === 4);
    for (const seq of [1, 2, 2, 1, 3, 3, 4]) server.push(messageEvent('room:general', seq));
    await done;

    const reopened = nextEvent(client, 'hello');
    server.dropLatest(1001);
    await reopened;
    done = nextEvent(client, 'message', (m) => m.seq === 6);
    for (const seq of [3, 4, 5, 6]) server.push(messageEvent('room:general', seq)); // at-least-once replay
    server.push({ ev: 'synced' });
    await done;
    expect(seen.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('never hands the app its own sends back when a replay brings them', async () => {
    const client = makeClient();
    await client.connect();
    const seen = collectMessages(client);
    let done = nextEvent(client, 'message', (m) => m.seq === 1);
    server.push(messageEvent('room:general', 1));
    await done;
    // Right after the highest: advances at once.
    server.seqFor('room:general', 1);
    expect((await client.send('room:general', { text: 'mine' })).seq).toBe(2);
    expect(client.lastSeq('room:general')).toBe(2);
    // Ahead of the stream (3 and 4 are others' and not here yet): remembered, not advanced.
    server.seqFor('room:general', 4);
    expect((await client.send('room:general', { text: 'ahead' })).seq).toBe(5);
    expect(client.lastSeq('room:general')).toBe(2);
    done = nextEvent(client, 'message', (m) => m.seq === 3);
    server.push(messageEvent('room:general', 3));
    await done;

    const reopened = nextEvent(client, 'hello');
    server.dropLatest(1001);
    await reopened;
    expect(hellos().at(-1)?.since).toEqual({ 'room:general': 3 });
    done = nextEvent(client, 'message', (m) => m.seq === 6);
    // The replay after since: 4 is someone else's, 5 our own, 6 someone else's.
    for (const seq of [4, 5, 6]) server.push(messageEvent('room:general', seq));
    await done;
    expect(seen.map((m) => m.seq)).toEqual([1, 3, 4, 6]);
    expect(client.lastSeq('room:general')).toBe(6);
  });

  it('does not hand back its own send when a replay brings it before the retry’s result', async () => {
    const client = makeClient({ requestTimeoutMs: 300 });
    await client.connect();
    const seen = collectMessages(client);
    // The first attempt is stored, then the connection drops before the reply; the retry's
    // reply is late (silent: it times out and goes again).
    server.plan('send', { kind: 'drop', code: 1001 }, { kind: 'silent' });
    const reopened = nextEvent(client, 'hello', () => true, 5000);
    const sent = client.send('user:bob', { text: 'mine', cid: 'c-own' });
    await reopened;
    server.push({ ...messageEvent('dm:alice:bob', 1), from: 'alice', cid: 'c-own' });
    server.push(messageEvent('dm:alice:bob', 2));
    await nextEvent(client, 'message', (m) => m.seq === 2);
    expect((await sent).seq).toBe(1);
    expect(seen.map((m) => m.seq)).toEqual([2]);
  });

  it('rotates through a list of URLs on reconnect', async () => {
    const other = await FakeServer.start();
    try {
      const client = makeClient({ url: [server.url, other.url] });
      await client.connect();
      expect(server.requests('hello')).toHaveLength(1);
      const reopened = nextEvent(client, 'hello');
      server.dropLatest(4010);
      await reopened;
      expect(other.requests('hello')).toHaveLength(1);
      const back = nextEvent(client, 'hello');
      other.dropLatest(4010);
      await back;
      expect(server.requests('hello')).toHaveLength(2);
      const picked: number[] = [];
      const fn = makeClient({
        url: (attempt) => {
          picked.push(attempt);
          return other.url;
        },
      });
      await fn.connect();
      expect(picked).toEqual([0]);
      expect(() => makeClient({ url: [] })).toThrow(TypeError);
      expect(() => makeClient({ url: ['http://x'] })).toThrow(TypeError);
    } finally {
      await other.close();
    }
  });

  it('re-emits gap and synced, and ignores unknown events', async () => {
    const client = makeClient();
    await client.connect();
    const gap = nextEvent(client, 'gap');
    const synced = nextEvent(client, 'synced');
    server.push({ ev: 'future-thing', x: 1 });
    server.push({ ev: 'gap', conv: 'room:general', after: 41, before: 560 });
    server.push({ ev: 'synced' });
    expect(await gap).toEqual({ conv: 'room:general', after: 41, before: 560 });
    await synced;
  });

  it('emits lifecycle changes and refetch (protocol 1.1) as the server sent them', async () => {
    const client = makeClient();
    await client.connect();
    const change = nextEvent(client, 'change');
    const refetch = nextEvent(client, 'refetch');
    const edit = { ev: 'edit', conv: 'room:general', seq: 3, ver: 9, text: 'x', edited: 't', by: 'bob' };
    server.push(edit);
    server.push({ ev: 'refetch', conv: 'room:general', ver: 700 });
    expect(await change).toEqual(edit);
    expect(await refetch).toEqual({ conv: 'room:general', ver: 700 });
  });

  it('watches again after a reconnect and reports presence', async () => {
    const client = makeClient();
    await client.connect();
    expect(await client.watch(['bob'])).toEqual([{ user: 'bob', online: true }]);
    const presence = nextEvent(client, 'presence');
    server.dropLatest(1001);
    expect(await presence).toEqual({ user: 'bob', online: true });
    expect(server.requests('watch').map((r) => r.users)).toEqual([['bob'], ['bob']]);
  });
});

describe('outbox', () => {
  it('retries with the same cid after the server drops the connection mid-send, in order per conversation', async () => {
    const client = makeClient();
    await client.connect();
    server.plan('send', { kind: 'drop' });
    const outbox: string[] = [];
    client.on('outbox', (e) => outbox.push(`${e.change}:${e.pending}`));

    const one = client.send('room:general', { text: 'one' });
    const two = client.send('room:general', { text: 'two' });
    expect(client.pending).toBe(2);
    const [r1, r2] = await Promise.all([one, two]);

    expect(r1).toMatchObject({ conv: 'room:general', seq: 1 });
    expect(r2).toMatchObject({ conv: 'room:general', seq: 2 });
    const sends = server.requests('send');
    expect(sends.map((s) => s.text)).toEqual(['one', 'one', 'two']); // 'two' waited for 'one'
    expect(sends[1]?.cid).toBe(sends[0]?.cid);
    expect(sends[2]?.cid).not.toBe(sends[0]?.cid);
    expect(hellos()).toHaveLength(2);
    expect(client.pending).toBe(0);
    expect(outbox).toEqual(['queued:1', 'queued:2', 'retrying:2', 'sent:1', 'sent:0']);
  });

  it('keeps sends made before connecting and sends them once a session opens', async () => {
    const client = makeClient();
    const p = client.send('user:bob', { text: 'early', cid: 'my-cid' });
    expect(client.pending).toBe(1);
    expect(server.requests('send')).toHaveLength(0);
    await client.connect();
    expect(await p).toMatchObject({ conv: 'dm:alice:bob', seq: 1 });
    expect(server.requests('send')[0]).toMatchObject({ to: 'user:bob', cid: 'my-cid', text: 'early' });
  });

  it('retries unavailable after retryAfter and a timeout on the same connection, with the same cid', async () => {
    const client = makeClient({ requestTimeoutMs: 150 });
    await client.connect();
    server.plan('send', { kind: 'error', code: 'unavailable', retryAfter: 20 }, { kind: 'silent' });
    const result = await client.send('room:general', { text: 'hi' });
    expect(result.seq).toBe(1);
    const cids = server.requests('send').map((s) => s.cid);
    expect(cids).toHaveLength(3);
    expect(new Set(cids).size).toBe(1);
    expect(hellos()).toHaveLength(1);
  });

  it('rejects on a non-retryable error and moves on to the next send', async () => {
    const client = makeClient();
    await client.connect();
    server.plan('send', { kind: 'error', code: 'forbidden', message: 'not a member' });
    const a = client.send('room:secret', { text: 'a' });
    const b = client.send('room:secret', { text: 'b' });
    await expect(a).rejects.toMatchObject({ name: 'NatterClientError', code: 'forbidden', temporary: false });
    expect((await b).seq).toBe(1);
  });
});

describe('requests', () => {
  it('rejects with timeout when no reply comes', async () => {
    const client = makeClient({ requestTimeoutMs: 100 });
    await client.connect();
    server.setAlways('rooms', { kind: 'silent' });
    await expect(client.rooms()).rejects.toMatchObject({ code: 'timeout', temporary: true, op: 'rooms' });
  });

  it('counts time spent waiting for a connection towards the timeout', async () => {
    const client = makeClient();
    await expect(client.ping({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('waits for the connection, then resolves with the result; errors carry code and retryAfter', async () => {
    const client = makeClient();
    const joined = client.join('general');
    void client.connect();
    expect(await joined).toEqual({ room: 'general', seq: 0 });
    server.plan('history', { kind: 'error', code: 'rate_limited', message: 'slow down', retryAfter: 1500 });
    await expect(client.history('room:general', { before: 10 })).rejects.toMatchObject({
      code: 'rate_limited',
      message: 'slow down',
      retryAfter: 1500,
      temporary: true,
    });
    expect(server.requests('history')[0]).toMatchObject({ conv: 'room:general', before: 10 });
    // Ids are increasing integers in the order requests were made (join before hello here).
    const id = (op: string) => Number(server.requests(op)[0]?.id);
    expect(id('join')).toBe(1);
    expect(id('hello')).toBe(2);
    expect(id('history')).toBe(3);
  });
});

describe('reconnect', () => {
  it('close() stops reconnecting and fails pending work at once', async () => {
    const client = makeClient({ reconnect: { initialDelayMs: 60, maxDelayMs: 60 } });
    await client.connect();
    server.setAlways('send', { kind: 'silent' });
    const sending = client.send('room:general', { text: 'never answered' });
    await server.until(() => server.requests('send').length === 1, 'the send');

    const reconnecting = nextEvent(client, 'state', (s) => s === 'reconnecting');
    server.dropLatest(1001);
    await reconnecting;
    client.close();
    expect(client.state).toBe('closed');
    await expect(sending).rejects.toMatchObject({ code: 'closed' });
    await expect(client.ping()).rejects.toMatchObject({ code: 'closed' });
    await expect(client.send('room:general', { text: 'x' })).rejects.toMatchObject({ code: 'closed' });
    // Proving an absence needs a window: longer than the largest reconnect delay.
    await new Promise((r) => setTimeout(r, 200));
    expect(server.sockets).toHaveLength(1);
  });

  it('reconnects after two missed heartbeat replies', async () => {
    server.heartbeat = 0.04;
    const client = makeClient();
    await client.connect();
    server.setAlways('ping', { kind: 'silent' });
    const disconnect = await nextEvent(client, 'disconnect');
    expect(disconnect.reason).toMatch(/heartbeat/);
    server.setAlways('ping', undefined);
    await server.until(() => hellos().length === 2, 'the second hello');
    expect(server.requests('ping').length).toBeGreaterThanOrEqual(2);
  });

  it('reconnects at once after bye with reconnect:true, and stops after reconnect:false', async () => {
    const client = makeClient({ reconnect: { initialDelayMs: 5, maxDelayMs: 10_000 } });
    await client.connect();
    server.push({ ev: 'bye', reason: 'draining', reconnect: true });
    const d = nextEvent(client, 'disconnect');
    server.dropLatest(4010);
    expect((await d).reconnectInMs).toBeLessThan(5);
    await server.until(() => hellos().length === 2, 'the second hello');

    const error = nextEvent(client, 'error');
    server.push({ ev: 'bye', reason: 'banned', reconnect: false });
    server.dropLatest(1000);
    expect((await error).code).toBe('closed');
    expect(client.state).toBe('closed');
  });

  it('gives up on 4001 with a fixed token', async () => {
    const client = makeClient({ user: undefined, token: 'fixed' });
    await client.connect();
    expect(hellos()[0]).toMatchObject({ token: 'fixed' });
    const error = nextEvent(client, 'error');
    server.dropLatest(4001);
    expect(await error).toMatchObject({ code: 'unauthenticated' });
    expect(client.state).toBe('closed');
    await expect(client.rooms()).rejects.toMatchObject({ code: 'closed' });
  });

  it('asks the token hook at every connect, and once more when hello is unauthenticated', async () => {
    let calls = 0;
    const client = makeClient({ user: undefined, token: async () => `t${++calls}` });
    server.plan('hello', { kind: 'error', code: 'unauthenticated', message: 'expired' });
    await client.connect();
    expect(hellos().map((h) => h.token)).toEqual(['t1', 't2']);
    server.dropLatest(4001);
    await server.until(() => hellos().length === 3, 'the third hello');
    expect(hellos()[2]?.token).toBe('t3');
  });

  it('fails connect() when the fresh token is refused too', async () => {
    const client = makeClient({ user: undefined, token: async () => 'bad' });
    server.setAlways('hello', { kind: 'error', code: 'unauthenticated', message: 'bad token' });
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(hellos()).toHaveLength(2);
    expect(client.state).toBe('closed');
  });

  it('refreshes the token at 80% of its lifetime', async () => {
    const now = Math.floor(Date.now() / 1000);
    let n = 0;
    const client = makeClient({
      user: undefined,
      token: async () => fakeJwt({ sub: 'alice', n: ++n, iat: now, exp: now + 2 }),
    });
    const first = await client.connect();
    const token = await nextEvent(client, 'token', (t) => t !== first.token);
    expect(server.requests('refresh')).toHaveLength(1);
    expect(server.requests('refresh')[0]?.token).toBe(token);
    expect(client.token).toBe(token);
  });
});
