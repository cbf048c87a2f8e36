import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * The gateway's delivery hops on its /metrics (natter_gateway_delivery_lag_seconds: store to
 * arrival here; natter_gateway_fanout_seconds: the loop handing a message to the local
 * sessions), by kind: what the bench's storm reads to tell a slow fanout from a slow bus.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

/** The value of one series (`name{...kind="..."...}`) on the gateway's /metrics; 0 when absent. */
async function series(name: string, kind: string): Promise<number> {
  const text = await (await fetch(`${cluster.gateways[0].metrics}/metrics`)).text();
  // Beside `kind`, every series carries the process's default labels (`service`).
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`kind="${kind}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  cluster = await startCluster({ gateways: 1 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('delivery hop metrics', () => {
  it('count each live room and DM message once per gateway, with a lag and a fanout time', async () => {
    const url = cluster.gateways[0].url;
    const [a, b, c] = await Promise.all(
      ['hop-a', 'hop-b', 'hop-c'].map(async (u) => {
        const { client } = await RawClient.hello(url, { token: await token(u) });
        clients.push(client);
        return client;
      }),
    );
    for (const x of [a, b, c]) await x.ok('join', { room: 'hops' });
    const roomBefore = await series('natter_gateway_fanout_seconds_count', 'room');
    const lagBefore = await series('natter_gateway_delivery_lag_seconds_count', 'room');
    await a.ok('send', { to: 'room:hops', cid: 'hop-1', text: 'one' });
    await b.waitEvent((f) => f.ev === 'message' && f.cid === 'hop-1');
    await c.waitEvent((f) => f.ev === 'message' && f.cid === 'hop-1');
    // One message, three local members: one fanout, not one per session.
    expect(await series('natter_gateway_fanout_seconds_count', 'room')).toBe(roomBefore + 1);
    expect(await series('natter_gateway_delivery_lag_seconds_count', 'room')).toBe(lagBefore + 1);
    const lag = await series('natter_gateway_delivery_lag_seconds_sum', 'room');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(10);

    const dmBefore = await series('natter_gateway_fanout_seconds_count', 'dm');
    await a.ok('send', { to: 'user:hop-b', cid: 'hop-2', text: 'two' });
    await b.waitEvent((f) => f.ev === 'message' && f.cid === 'hop-2');
    // Both users are here: the DM arrives on both users' subjects, each arrival is counted.
    expect(await series('natter_gateway_fanout_seconds_count', 'dm')).toBe(dmBefore + 2);
  });
});
