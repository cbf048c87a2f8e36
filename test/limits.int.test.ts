import { request as httpRequest } from 'node:http';
import { freePort, type ProcHandle, startProcess } from '@natter/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Rate limits and connection limits on a real gateway process (NATS, Redis, Postgres,
 * each service in its own process), with limits small enough to reach in a test.
 */
const LIMITS = {
  NATTER_RATE_REQUESTS_PER_SEC: '20',
  NATTER_RATE_REQUESTS_BURST: '40',
  NATTER_RATE_SENDS_PER_SEC: '5',
  NATTER_RATE_SENDS_BURST: '10',
  NATTER_RATE_TYPING_PER_SEC: '1',
  NATTER_RATE_TYPING_BURST: '2',
  NATTER_RATE_ABUSE_REJECTIONS: '50',
  NATTER_RATE_ABUSE_WINDOW_MS: '10000',
  NATTER_MAX_SESSIONS_PER_USER: '3',
  NATTER_USER_SENDS_PER_MIN: '30',
  // The defaults, which test/helpers/cluster.ts raises for every other test.
  NATTER_HTTP_RATE_PER_SEC: '20',
  NATTER_HTTP_RATE_BURST: '100',
};

let cluster: Cluster;
let url: string;
const clients: RawClient[] = [];

async function hello(user: string, gwUrl = url) {
  const r = await RawClient.hello(gwUrl, { token: await token(user) });
  clients.push(r.client);
  return r.client;
}

/** A sample of a gateway's metrics, read on its HTTP_PORT (`base`). */
async function metric(base: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').pop()) : 0;
}

/** How many messages the conversation holds once the count stops changing. */
async function pollStored(conv: string, user: string): Promise<number> {
  const auth = { authorization: `Bearer ${await token(user)}` };
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${cluster.gateways[0].http}/v1/conversations/${conv}/messages?limit=200`, {
      headers: auth,
    });
    const n = ((await res.json()) as { messages: unknown[] }).messages.length;
    if (n === last && n > 0) return n;
    last = n;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

beforeAll(async () => {
  cluster = await startCluster({ gateways: 1, env: LIMITS });
  url = cluster.gateways[0].url;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('per-connection rate limits', () => {
  it('limits a flooding client, then closes it with 4008, while others send and receive without loss', async () => {
    const mallory = await hello('mallory');
    const alice = await hello('alice');
    const bob = await hello('bob');

    // The flood: 300 sends as fast as the socket takes them.
    const replies: Frame[] = [];
    mallory.ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      if (f.re !== undefined) replies.push(f);
    });
    for (let i = 0; i < 300; i++) {
      mallory.sendRaw(
        JSON.stringify({ id: i + 1, op: 'send', to: 'user:victim', cid: `flood-${i}`, text: 'spam' }),
      );
    }

    // Meanwhile alice and bob talk, within their own (independent) buckets.
    const started = Date.now();
    const latencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      const a = await alice.request('send', { to: 'user:bob', cid: `a-${i}`, text: `a${i}` });
      const b = await bob.request('send', { to: 'user:alice', cid: `b-${i}`, text: `b${i}` });
      latencies.push(Date.now() - t0);
      expect(a.error, JSON.stringify(a.error)).toBeUndefined();
      expect(b.error, JSON.stringify(b.error)).toBeUndefined();
    }

    const closed = await mallory.waitClose();
    expect(closed.code).toBe(4008);
    expect(mallory.events.find((e) => e.ev === 'bye')).toMatchObject({ reason: 'rate_limited' });

    const ok = replies.filter((r) => r.result);
    const limited = replies.filter((r) => r.error?.code === 'rate_limited');
    // The burst of 10 (plus refill while it ran) was let through; their replies may not have
    // made it out before the close, but history holds exactly what got through.
    expect(ok.length).toBeLessThanOrEqual(12);
    const stored = await pollStored('dm:mallory:victim', 'mallory');
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThanOrEqual(12);
    expect(limited.length).toBeGreaterThanOrEqual(40);
    for (const r of limited) {
      expect(Number.isInteger(r.error?.retryAfter)).toBe(true);
      expect(r.error?.retryAfter).toBeGreaterThan(0);
    }
    expect(replies.every((r) => r.result || r.error?.code === 'rate_limited')).toBe(true);
    // The connection was closed before the flood was through.
    expect(replies.length).toBeLessThan(300);

    const toBob = await bob.waitMessages('dm:alice:bob', 8);
    const toAlice = await alice.waitMessages('dm:alice:bob', 8);
    expect(toBob.map((m) => m.text)).toEqual(Array.from({ length: 8 }, (_, i) => `a${i}`));
    expect(toAlice.map((m) => m.text)).toEqual(Array.from({ length: 8 }, (_, i) => `b${i}`));
    expect(alice.events.filter((e) => e.ev === 'error')).toEqual([]);
    expect(bob.events.filter((e) => e.ev === 'error')).toEqual([]);
    // Not slowed down by the flood next to them.
    expect(Math.max(...latencies), `latencies ${latencies} (total ${Date.now() - started} ms)`).toBeLessThan(
      1000,
    );

    const http = cluster.gateways[0].metrics;
    expect(
      await metric(http, /^natter_gateway_rate_limited_total\{.*bucket="send".*action="limited"/),
    ).toBeGreaterThan(0);
    expect(await metric(http, /^natter_gateway_closes_total\{.*code="4008"/)).toBeGreaterThanOrEqual(1);
  });

  it('answers rate_limited for a flood of any request, with retryAfter', async () => {
    const c = await hello('pinger');
    const replies = await Promise.all(Array.from({ length: 45 }, () => c.request('ping')));
    const limited = replies.filter((r) => r.error);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].error).toMatchObject({ code: 'rate_limited' });
    expect(limited[0].error?.message).toMatch(/too many requests/);
    // Waiting retryAfter helps.
    await new Promise((r) => setTimeout(r, limited[0].error!.retryAfter! + 20));
    expect((await c.request('ping')).result).toEqual({});
    expect(c.closed).toBeUndefined();
  });

  it('drops typing without id past its limit silently, and limits typing with id', async () => {
    const carol = await hello('carol');
    const dave = await hello('dave');
    for (let i = 0; i < 10; i++) carol.sendRaw(JSON.stringify({ op: 'typing', to: 'user:dave' }));
    await carol.ok('ping');
    const withId = await carol.request('typing', { to: 'user:dave' });
    expect(withId.error?.code).toBe('rate_limited');
    expect(withId.error?.retryAfter).toBeGreaterThan(0);
    // The typing events that got through reach dave; the dropped ones made no error.
    await dave.waitEvent((e) => e.ev === 'typing');
    await dave.ok('ping');
    const typing = dave.events.filter((e) => e.ev === 'typing');
    expect(typing.length).toBeGreaterThanOrEqual(1);
    expect(typing.length).toBeLessThanOrEqual(3);
    expect(carol.events.filter((e) => e.ev === 'error')).toEqual([]);
  });

  it('limits sends per user over all of their connections (Redis counter)', async () => {
    // NATTER_USER_SENDS_PER_MIN=30: three connections of one user, 12 sends each.
    const conns = [await hello('erin'), await hello('erin'), await hello('erin')];
    const results: Frame[] = [];
    for (let round = 0; round < 12; round++) {
      for (const [i, c] of conns.entries()) {
        results.push(await c.request('send', { to: 'user:frank', cid: `e-${i}-${round}`, text: 'x' }));
      }
      // Stay under each connection's own bucket (5/s, burst 10).
      if (round >= 8) await new Promise((r) => setTimeout(r, 250));
    }
    const ok = results.filter((r) => r.result).length;
    const limited = results.filter((r) => r.error?.code === 'rate_limited');
    // A minute boundary in the middle may let one window's worth more through.
    expect(ok === 30 || (ok > 30 && ok <= 36)).toBe(true);
    expect(limited.length).toBe(36 - ok);
    expect(limited[0].error?.message).toMatch(/this minute/);
    expect(limited[0].error?.retryAfter).toBeGreaterThan(0);
    const redis = new Redis(cluster.redis.url);
    try {
      expect((await redis.keys('*ratelimit:send:erin:*')).length).toBeGreaterThanOrEqual(1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('connection limits', () => {
  it('refuses a hello past the sessions a user may hold on one gateway', async () => {
    await hello('gina');
    await hello('gina');
    await hello('gina');
    const c = await RawClient.connect(url);
    clients.push(c);
    const r = await c.request('hello', { token: await token('gina') });
    expect(r.error?.code).toBe('rate_limited');
    expect(r.error?.message).toMatch(/3 sessions/);
  });

  describe('per client address, behind a trusted proxy', () => {
    let gw: ProcHandle;
    let port: number;
    let httpPort: number;
    beforeAll(async () => {
      port = await freePort();
      httpPort = await freePort();
      gw = await startProcess({
        name: 'gw-ip',
        entry: 'services/gateway/src/main.ts',
        env: {
          ...cluster.env,
          PORT: String(port),
          HTTP_PORT: String(httpPort),
          GATEWAY_ID: 'gw-ip',
          NATTER_MAX_CONNECTIONS_PER_IP: '3',
          NATTER_TRUST_PROXY_HOPS: '1',
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
    });
    afterAll(async () => {
      await gw?.kill('SIGTERM');
    });

    function open(xff: string): Promise<{ ws: WebSocket; status?: number; body?: string }> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { 'x-forwarded-for': xff } });
        ws.once('open', () => resolve({ ws }));
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d;
          });
          res.on('end', () => resolve({ ws, status: res.statusCode, body }));
        });
        ws.once('error', reject);
      });
    }

    it('refuses the upgrade with 429 past the limit, counting the address the proxy saw', async () => {
      // The client wrote 6.6.6.6 itself; the proxy appended 10.0.0.7. Only the latter counts.
      const held = [await open('6.6.6.6, 10.0.0.7'), await open('1.1.1.1, 10.0.0.7'), await open('10.0.0.7')];
      expect(held.every((h) => h.status === undefined)).toBe(true);
      const refused = await open('10.0.0.7');
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body!)).toMatchObject({ error: { code: 'rate_limited' } });
      // Another address is not affected.
      const other = await open('10.0.0.8');
      expect(other.status).toBeUndefined();
      // A freed slot can be taken again.
      const closed = new Promise((r) => held[0].ws.once('close', r));
      held[0].ws.close();
      await closed;
      let again = await open('10.0.0.7');
      const deadline = Date.now() + 5000;
      while (again.status === 429 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        again = await open('10.0.0.7');
      }
      expect(again.status).toBeUndefined();
      for (const h of [...held, other, again]) h.ws.close();
      expect(
        await metric(
          `http://127.0.0.1:${httpPort}`,
          /^natter_gateway_refused_connections_total\{.*reason="per_ip"/,
        ),
      ).toBeGreaterThan(0);
    });
  });
});

describe('HTTP API rate limit', () => {
  /** GET from a chosen loopback source address (the gateway counts the TCP peer here). */
  function get(path: string, localAddress: string, headers: Record<string, string> = {}) {
    const { port } = new URL(cluster.gateways[0].http);
    return new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, localAddress, headers, agent: false },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('answers 429 rate_limited with retryAfter past an address bucket, without touching other addresses', async () => {
    // A bucket of 100 at once, 20 a second (the defaults). Unauthenticated requests count too.
    const answers = await Promise.all(
      Array.from({ length: 160 }, () => get('/v1/conversations', '127.0.0.9')),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(30);
    expect(answers.filter((a) => a.status === 401).length).toBeGreaterThanOrEqual(100);
    const first = limited[0];
    expect(Number(first.retryAfter)).toBeGreaterThanOrEqual(1);
    const body = JSON.parse(first.body) as { error: { code: string; message: string; retryAfter: number } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/HTTP API requests from this address/);
    expect(body.error.retryAfter).toBeGreaterThan(0);

    // Another address is served, with its own token.
    const other = await get('/v1/conversations', '127.0.0.10', {
      authorization: `Bearer ${await token('hank')}`,
    });
    expect(other.status).toBe(200);
    // The web client and health are not counted.
    expect((await get('/healthz', '127.0.0.9')).status).toBe(200);
    expect(
      await metric(cluster.gateways[0].metrics, /^natter_gateway_rate_limited_total\{.*bucket="http"/),
    ).toBeGreaterThanOrEqual(limited.length);
  });
});
