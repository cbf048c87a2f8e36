import { waitFor } from '@natter/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Cluster, startCluster } from './helpers/cluster.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

/**
 * Operating the hooks service (its own process, real NATS, Redis, Postgres): the metrics an
 * operator watches, scraped from /metrics while a receiver is down and after it is back
 * (queue depth per URL, attempts, failures, oldest pending age), and retention pruning by
 * the service's own timer (NATTER_EVENTS_PRUNE_INTERVAL_MS small; old rows backdated).
 */
const SECRET = `whsec_${Buffer.from('natter-hooks-ops-test-secret-32by!').toString('base64')}`;
let cluster: Cluster;
let db: pg.Pool;
let down = true;
const receiver = new WebhookReceiver(SECRET, () => (down ? 503 : 200));
const steady = new WebhookReceiver(SECRET);

async function send(to: string, cid: string): Promise<void> {
  const res = await fetch(`${cluster.gateways[0]!.http}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: 'ops', to: `user:${to}`, cid, text: `hello ${cid}` }),
  });
  expect(res.status).toBe(200);
}

/** The value of one sample of /metrics (0 when absent). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${cluster.health.hooks[0]}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    if (want.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

beforeAll(async () => {
  const urls = await Promise.all([receiver.start(), steady.start()]);
  cluster = await startCluster({
    gateways: 1,
    hooks: 1,
    env: {
      NATTER_WEBHOOK_URLS: urls.join(','),
      NATTER_WEBHOOK_SECRET: SECRET,
      NATTER_WEBHOOK_BACKOFF_MS: '50',
      NATTER_WEBHOOK_POLL_MS: '50',
      NATTER_EVENTS_RETENTION_HOURS: '1',
      NATTER_EVENTS_PRUNE_INTERVAL_MS: '300',
    },
  });
  db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
  await new Promise((r) => setTimeout(r, 1000)); // the instance holds both URLs' leases
});

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
  await Promise.all([receiver.stop(), steady.stop()]);
});

describe('hooks metrics', () => {
  it('show the backlog of a receiver that is down, its failed attempts, and drain when it is back', async () => {
    const r = { receiver: receiver.url };
    const s = { receiver: steady.url };
    for (let i = 0; i < 10; i++) await send('ops-peer', `m${i}`);
    await waitFor(() => steady.delivered.length >= 10, { timeoutMs: 10_000 });
    await waitFor(async () => (await metric('natter_hooks_queue_depth', r)) >= 10, { timeoutMs: 10_000 });
    await new Promise((res) => setTimeout(res, 1200));
    expect(await metric('natter_hooks_oldest_pending_seconds', r)).toBeGreaterThanOrEqual(1);
    expect(await metric('natter_hooks_attempts_total', { ...r, outcome: 'failed' })).toBeGreaterThan(0);
    const failures = await fetch(`${cluster.health.hooks[0]}/metrics`).then((x) => x.text());
    expect(failures).toMatch(
      new RegExp(`natter_hooks_failures_total\\{[^}]*receiver="${receiver.url}"[^}]*\\} [1-9]`),
    );
    // The receiver that answers is not held back by the one that does not.
    expect(await metric('natter_hooks_queue_depth', s)).toBe(0);
    expect(await metric('natter_hooks_oldest_pending_seconds', s)).toBe(0);
    expect(
      await metric('natter_hooks_attempts_total', { ...s, outcome: 'delivered' }),
    ).toBeGreaterThanOrEqual(10);

    down = false;
    await waitFor(() => receiver.delivered.length >= 10, { timeoutMs: 15_000 });
    await waitFor(async () => (await metric('natter_hooks_queue_depth', r)) === 0, { timeoutMs: 10_000 });
    expect(await metric('natter_hooks_oldest_pending_seconds', r)).toBe(0);
    expect(
      await metric('natter_hooks_attempts_total', { ...r, outcome: 'delivered' }),
    ).toBeGreaterThanOrEqual(10);
  });
});

describe('retention', () => {
  it("the service's own timer prunes events past NATTER_EVENTS_RETENTION_HOURS and keeps the rest", async () => {
    await send('ops-peer', 'old1');
    await send('ops-peer', 'old2');
    await waitFor(() => steady.delivered.length >= 12, { timeoutMs: 10_000 });
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM natter_events')).rows[0]!.n;
    await db.query(`UPDATE natter_events SET ts = now() - interval '2 hours'
                     WHERE data ->> 'text' IN ('hello old1', 'hello old2')`);
    await send('ops-peer', 'new1');
    await waitFor(
      async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM natter_events')).rows[0]!.n ===
        before - 1,
      { timeoutMs: 10_000 },
    );
    const { rows } = await db.query<{ text: string }>(`SELECT data ->> 'text' AS text FROM natter_events`);
    const texts = rows.map((x) => x.text);
    expect(texts).toContain('hello new1');
    expect(texts).not.toContain('hello old1');
    expect(texts).not.toContain('hello old2');
    expect(texts).toContain('hello m0');
  });
});
