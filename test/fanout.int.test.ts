import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * DESIGN.md promise 5: a room message to members on G gateways costs O(G) broker
 * messages, not O(members), and nothing for offline members. The count comes from
 * nats-server's own /varz, not from our code.
 */
let cluster: Cluster;
const clients: RawClient[] = [];
const ONLINE = 1000;
const OFFLINE = 1000;

beforeAll(async () => {
  // Slow gateway heartbeats, so the only traffic in the measured window is the message.
  cluster = await startCluster({
    env: { NATTER_GATEWAY_HEARTBEAT_MS: '30000', NATTER_REQUEST_TIMEOUT_MS: '10000' },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

async function connectMember(i: number): Promise<RawClient> {
  const gw = cluster.gateways[i % 2];
  const { client } = await RawClient.hello(gw.url, { token: await token(`u${String(i).padStart(4, '0')}`) });
  await client.ok('join', { room: 'big' });
  return client;
}

it('delivers one message to 1000 sessions on two gateways for a handful of NATS messages', async () => {
  const { client: sender } = await RawClient.hello(cluster.gateways[0].url, {
    token: await token('announcer'),
  });
  clients.push(sender);
  await sender.ok('join', { room: 'big' });
  for (let i = 0; i < ONLINE; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => connectMember(i + k)))));
  }
  // 1000 more members who are offline: added straight to the rooms table.
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  await db.query(
    `INSERT INTO members (room, "user") SELECT 'big', 'off' || lpad(g::text, 4, '0') FROM generate_series(0, $1 - 1) g`,
    [OFFLINE],
  );
  await db.query(
    `UPDATE rooms SET member_count = (SELECT count(*) FROM members WHERE room = 'big') WHERE name = 'big'`,
  );
  await db.end();
  const members = await sender.ok('rooms');
  expect(members.rooms).toEqual([expect.objectContaining({ room: 'big', members: ONLINE + OFFLINE + 1 })]);

  const receivers = clients.slice(1);
  const everyoneHas = async (n: number) => {
    const deadline = Date.now() + 30_000;
    while (receivers.some((c) => c.messages('room:big').length < n)) {
      if (Date.now() > deadline) throw new Error('not every member got the message');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Warm up caches (history's roster), then measure one message.
  await sender.ok('send', { to: 'room:big', cid: 'warm', text: 'warm up' });
  await everyoneHas(1);
  await new Promise((r) => setTimeout(r, 300));
  const before = await cluster.nats.varz();
  await sender.ok('send', { to: 'room:big', cid: 'measured', text: 'hello, 2000 members' });
  await everyoneHas(2);
  const after = await cluster.nats.varz();
  const inMsgs = after.in_msgs - before.in_msgs;
  const outMsgs = after.out_msgs - before.out_msgs;
  console.log(
    `one room message to ${ONLINE} sessions on 2 gateways: ${inMsgs} NATS messages in, ${outMsgs} out`,
  );
  // msg.send request + reply + one publish on the room subject = 3 in;
  // request + reply + one copy per gateway = 4 out. A little slack for stray traffic.
  const gateways = cluster.gateways.length;
  expect(inMsgs).toBeLessThanOrEqual(3 + 2);
  expect(outMsgs).toBeLessThanOrEqual(2 + gateways + 2);
  for (const c of receivers) expect(c.messages('room:big').map((m) => m.seq)).toEqual([1, 2]);
});
