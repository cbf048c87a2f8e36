import { waitFor } from '@natter/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './helpers/cluster.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

/**
 * Webhook delivery in volume (issue 14's throughput work) on real NATS, Redis, Postgres and
 * two hooks processes: 2,000 events logged in a few transactions reach one receiver, none
 * missing, in log order by first arrival, never two requests at once, while the instance
 * delivering them is SIGKILLed mid-page (the cursor is written every ~100 ms, not per event,
 * so a kill may repeat some: at least once) and then the other one.
 */
const SECRET = `whsec_${Buffer.from('natter-webhook-volume-secret-32b!').toString('base64')}`;
const TOTAL = 2000;

let cluster: Cluster;
let db: pg.Pool;
// 1 ms per answer: slow enough that the kills land while a page is being delivered.
const receiver = new WebhookReceiver(SECRET, () => 200, 1);

/** Logs `n` member.joined events in one transaction (as a change would); their ids, in order. */
async function logEvents(from: number, n: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO natter_events (type, data)
     SELECT 'member.joined', jsonb_build_object('room', 'volume', 'user', 'u' || i)
       FROM generate_series($1::int, $2::int) AS i
     RETURNING id::text`,
    [from, from + n - 1],
  );
  return rows.map((r) => r.id);
}

const users = () =>
  receiver.delivered.filter((d) => d.data.room === 'volume').map((d) => d.data.user as string);

beforeAll(async () => {
  const url = await receiver.start();
  cluster = await startCluster({
    gateways: 1,
    hooks: 2,
    env: {
      NATTER_WEBHOOK_URLS: url,
      NATTER_WEBHOOK_SECRET: SECRET,
      NATTER_WEBHOOK_BACKOFF_MS: '20',
      NATTER_WEBHOOK_POLL_MS: '50',
    },
  });
  db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
  await new Promise((r) => setTimeout(r, 1500)); // one instance holds the URL's lease
});

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
  await receiver.stop();
});

describe('webhook throughput', () => {
  it('delivers 2,000 events, none missing, in order, at least once, through SIGKILLs of both instances', async () => {
    await logEvents(1, 500);
    const [a, b] = cluster.services.hooks;
    // Whichever instance holds the lease is killed while it delivers; the other takes over.
    await waitFor(() => users().length >= 200, { timeoutMs: 20_000 });
    await a!.kill('SIGKILL');
    await logEvents(501, 1000);
    await waitFor(() => users().length >= 900, { timeoutMs: 30_000 });
    await a!.restart();
    await b!.kill('SIGKILL');
    await logEvents(1501, 500);
    await waitFor(() => users().length >= TOTAL, { timeoutMs: 60_000 });
    await b!.restart();

    const want = Array.from({ length: TOTAL }, (_, i) => `u${i + 1}`);
    expect(users()).toEqual(want); // every one, first arrivals in log order
    const ids = receiver.delivered.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.overlaps).toBe(0);
    expect(receiver.badSignatures).toBe(0);
    // Repeats (after a kill) carry the same webhook-id, so a receiver can drop them.
    for (const id of receiver.duplicates) expect(ids).toContain(id);
  });
});
