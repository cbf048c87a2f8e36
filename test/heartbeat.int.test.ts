import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * WebSocket heartbeats: every connection is pinged once per NATTER_HEARTBEAT_SEC, in its own
 * second of the interval (not all at one moment: 100,000 pings at once stalled a storm's room
 * message, bench/README.md), and a connection that stops answering is cut after two intervals.
 */
const HEARTBEAT_SEC = 3;
let cluster: Cluster;
const clients: RawClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({ gateways: 1, env: { NATTER_HEARTBEAT_SEC: String(HEARTBEAT_SEC) } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('heartbeat', () => {
  it('pings each connection once per interval, spread over the interval', async () => {
    const url = cluster.gateways[0].url;
    const pings: number[][] = [];
    for (let i = 0; i < 6; i++) {
      const { client } = await RawClient.hello(url, { token: await token(`hb-${i}`) });
      clients.push(client);
      const times: number[] = [];
      pings.push(times);
      client.ws.on('ping', () => times.push(Date.now()));
    }
    await new Promise((r) => setTimeout(r, HEARTBEAT_SEC * 1000 * 2 + 500));
    for (const times of pings) {
      expect(times.length).toBeGreaterThanOrEqual(2);
      const gap = times[1] - times[0];
      expect(gap).toBeGreaterThan(HEARTBEAT_SEC * 1000 - 600);
      expect(gap).toBeLessThan(HEARTBEAT_SEC * 1000 + 600);
    }
    // Six connections in three slots: their pings come at (at least) two different seconds.
    const firsts = pings.map((t) => t[0]);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(700);
  });

  it('cuts a connection that stops answering pings within two intervals and its slot', async () => {
    const ws = new WebSocket(cluster.gateways[0].url, { autoPong: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const synced = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        if ((JSON.parse(d.toString()) as { ev?: string }).ev === 'synced') resolve();
      }),
    );
    ws.send(JSON.stringify({ id: 1, op: 'hello', token: await token('hb-silent') }));
    await synced;
    const t0 = Date.now();
    const closed = await new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const after = Date.now() - t0;
    // Terminated (no close frame: 1006) once its last pong is two intervals (+1 s) old, at its slot.
    expect(closed).toBe(1006);
    expect(after).toBeGreaterThan(HEARTBEAT_SEC * 2000);
    expect(after).toBeLessThan(HEARTBEAT_SEC * 3000 + 2500);
  }, 20_000);
});
