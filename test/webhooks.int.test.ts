import { waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Cluster, startCluster } from './helpers/cluster.ts';
import { type Delivery, WebhookReceiver } from './helpers/webhook-receiver.ts';

/**
 * The event log and webhooks on the distributed topology (real NATS, Redis, Postgres, each
 * service its own process, two hooks instances): signed delivery, retries, a hanging
 * receiver that slows nobody else, no concurrent requests to one URL, SIGKILL of a hooks
 * instance, GET /v1/events paging and its refusals. Retry delays scaled down (20 ms base).
 */
const SECRET = `whsec_${Buffer.from('natter-webhook-test-secret-32bytes!').toString('base64')}`;

let cluster: Cluster;
const good = new WebhookReceiver(SECRET, () => 200, 5);
// Fails each event's first two attempts, then acknowledges.
const flaky = new WebhookReceiver(SECRET, (_ev, attempt) => (attempt <= 2 ? 503 : 200));
const hang = new WebhookReceiver(SECRET, () => 'hang');
const wrongSecret = new WebhookReceiver(
  `whsec_${Buffer.from('another-secret-of-32-bytes-length!').toString('base64')}`,
);

async function send(from: string, to: string, cid: string): Promise<{ mid: string; seq: number }> {
  const res = await fetch(`${cluster.gateways[0]!.http}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: `user:${to}`, cid, text: `hello ${cid}` }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

async function events(query: string, key = API_KEY) {
  const res = await fetch(`${cluster.gateways[0]!.http}/v1/events${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, body: await res.json() };
}

const mids = (ds: Delivery[]) =>
  ds.filter((d) => d.type === 'message.created').map((d) => d.data.mid as string);

beforeAll(async () => {
  const urls = await Promise.all([good.start(), flaky.start(), hang.start(), wrongSecret.start()]);
  cluster = await startCluster({
    gateways: 1,
    hooks: 2,
    env: {
      NATTER_WEBHOOK_URLS: urls.join(','),
      NATTER_WEBHOOK_SECRET: SECRET,
      NATTER_WEBHOOK_BACKOFF_MS: '20',
      NATTER_WEBHOOK_TIMEOUT_MS: '500',
      NATTER_WEBHOOK_POLL_MS: '50',
    },
  });
  // Both instances hold their leases before anything is logged (a new URL starts at the
  // log's end).
  await new Promise((r) => setTimeout(r, 1500));
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([good, flaky, hang, wrongSecret].map((r) => r.stop()));
});

/** The mids of every message sent, in order. */
const sent: string[] = [];

describe('webhooks', () => {
  it('delivers every message.created, signed, once acknowledged, to each receiver; a hanging one slows nobody', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) sent.push((await send('ann', i % 2 ? 'bob' : 'cy', `a${i}`)).mid);
    await waitFor(() => mids(good.delivered).length >= 30, { timeoutMs: 15_000 });
    // The hanging receiver (500 ms timeout, retried) has not held the others back.
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(mids(good.delivered)).toEqual(sent); // in log order, each once
    expect(good.badSignatures).toBe(0);
    expect(good.overlaps).toBe(0);
    const first = good.delivered[0]!;
    expect(first.id).toMatch(/^evt_/);
    expect(first.data).toMatchObject({ from: 'ann', conv: 'dm:ann:cy', seq: 1, text: 'hello a0' });
    expect(first.data).not.toHaveProperty('cid');

    await waitFor(() => mids(flaky.delivered).length >= 30, { timeoutMs: 20_000 });
    expect(mids(flaky.delivered)).toEqual(sent);
    for (const d of flaky.delivered) expect(flaky.attempts.get(d.id)).toBe(3);
    expect(flaky.overlaps).toBe(0);

    // A receiver with another secret rejects every delivery: nothing passes its check.
    expect(wrongSecret.delivered).toEqual([]);
    expect(wrongSecret.badSignatures).toBeGreaterThan(0);
    // The hanging one was tried (and is being retried), never concurrently.
    expect(hang.attempts.size).toBeGreaterThan(0);
    expect(hang.overlaps).toBe(0);
  });

  it('loses nothing when a hooks instance is SIGKILLed mid-delivery', async () => {
    const more: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < 40; i++) {
        more.push((await send('ann', 'bob', `k${i}`)).mid);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const [a, b] = cluster.services.hooks;
    await a!.kill('SIGKILL');
    await sending;
    await waitFor(() => more.every((m) => mids(good.delivered).includes(m)), { timeoutMs: 20_000 });
    await waitFor(() => more.every((m) => mids(flaky.delivered).includes(m)), { timeoutMs: 30_000 });
    expect(mids(good.delivered)).toEqual([...sent, ...more]);
    expect(good.overlaps).toBe(0);
    // Nothing was logged that did not happen: every delivered message was sent.
    expect(new Set(mids(flaky.delivered))).toEqual(new Set([...sent, ...more]));
    expect(b).toBeDefined();
    await a!.restart();
    sent.push(...more);
  });
});

describe('GET /v1/events', () => {
  it('pages the log oldest first with after and limit; next continues', async () => {
    const all: Delivery[] = [];
    let after = '';
    for (;;) {
      const { status, body } = await events(`?limit=7${after ? `&after=${after}` : ''}`);
      expect(status).toBe(200);
      if (body.events.length === 0) {
        expect(body.next).toBe(after || undefined);
        break;
      }
      expect(body.events.length).toBeLessThanOrEqual(7);
      all.push(...body.events);
      after = body.next;
      expect(after).toBe(body.events.at(-1).cursor);
    }
    expect(mids(all)).toEqual(sent);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    // The same events the webhooks carried, ids included.
    expect(all.filter((e) => e.type === 'message.created').map((e) => e.id)).toEqual(
      good.delivered.filter((e) => e.type === 'message.created').map((e) => e.id),
    );
  });

  it('refuses a wrong key (401), a bad cursor or limit (400, naming the field)', async () => {
    expect((await events('', 'not-the-key')).status).toBe(401);
    const bad = await events('?after=evt_1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^after/);
    for (const q of ['?limit=0', '?limit=1001', '?limit=x']) {
      const r = await events(q);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/^limit/);
    }
  });
});
