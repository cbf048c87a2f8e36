import { waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, apiSend, type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * NATTER_PUSH_WEBHOOK=true (PROTOCOL 1.1 sections 4 and 5): every push decision becomes a
 * push.needed event in the log, for users with or without devices, and nothing is sent;
 * a recipient whose session marked the message received gets none.
 */
const DELAY_MS = 800;
let cluster: Cluster;

const send = (from: string, to: string, text: string) => apiSend(cluster, from, to, text);

async function needed(): Promise<{ data: Record<string, unknown> }[]> {
  const res = await fetch(`${cluster.gateways[0]!.http}/v1/events?limit=1000`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  const body = (await res.json()) as { events: { type: string; data: Record<string, unknown> }[] };
  return body.events.filter((e) => e.type === 'push.needed');
}

beforeAll(async () => {
  cluster = await startCluster({
    gateways: 1,
    hooks: 1,
    push: 1,
    env: { NATTER_PUSH_DELAY_MS: String(DELAY_MS), NATTER_PUSH_POLL_MS: '50', NATTER_PUSH_WEBHOOK: 'true' },
  });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('push with NATTER_PUSH_WEBHOOK', () => {
  it('logs one push.needed per collapsed decision, for a user without devices; none after received', async () => {
    await send('ann', 'user:ben', 'one');
    const last = await send('ann', 'user:ben', 'two');
    const online = await RawClient.hello(cluster.gateways[0]!.url, { token: await token('cat') });
    const m = await send('ann', 'user:cat', 'seen at once');
    await online.client.waitMessages('dm:ann:cat', 1);
    await online.client.ok('received', { conv: 'dm:ann:cat', seq: m.seq });
    await waitFor(async () => (await needed()).length >= 1, { timeoutMs: DELAY_MS + 3000 });
    await new Promise((r) => setTimeout(r, DELAY_MS + 500));
    const events = await needed();
    expect(events.map((e) => e.data)).toEqual([
      { user: 'ben', conv: 'dm:ann:ben', seq: last.seq, mid: last.mid, from: 'ann', text: 'two', count: 2 },
    ]);
    online.client.ws.close();
  });
});
