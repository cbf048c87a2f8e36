import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, clean } from './faults/checker.ts';
import { ackedOf, readHistory, receiverOf, waitDelivered } from './faults/collect.ts';
import { LoadClient } from './faults/load-client.ts';
import { burst, outcomes } from './faults/raw-burst.ts';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Draining (DESIGN.md "drains on SIGTERM"): a gateway that gets SIGTERM says bye, closes
 * its connections with 4010, finishes what is in flight and exits 0, and SDK clients
 * resume on the other gateway with nothing lost; every service answers the requests it
 * holds before it exits.
 */
let cluster: Cluster;
const loads: LoadClient[] = [];
const raws: RawClient[] = [];

async function raw(gw: number, user: string): Promise<RawClient> {
  const { client } = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) });
  raws.push(client);
  return client;
}

beforeAll(async () => {
  cluster = await startCluster({ gateways: 2 });
});

afterAll(async () => {
  for (const c of loads) c.close();
  for (const c of raws) c.close();
  await cluster?.stop();
});

describe('SIGTERM on a gateway', () => {
  it('says bye, closes 4010, refuses new connections, exits 0; SDK clients resume elsewhere with nothing lost', async () => {
    const [gw1, gw2] = cluster.gateways;
    const users = Array.from({ length: 8 }, (_, i) => `drain${i}`);
    for (const u of users) loads.push(new LoadClient(u, [gw1.url, gw2.url]));
    await Promise.all(loads.map((c) => c.connect()));
    for (const c of loads) await c.client.join('drain');
    expect(loads.map((c) => c.gateway)).toEqual(users.map(() => gw1.id));
    const watcher = await raw(0, 'drain-watcher');
    await watcher.ok('join', { room: 'drain' });

    // A steady stream from every client, room and DM, across the drain.
    const dmOf = (i: number) => `user:${users[(i + 1) % users.length]}` as const;
    let sending = true;
    let round = 0;
    const pump = (async () => {
      while (sending) {
        loads.forEach((c, i) => {
          c.send(round % 2 === 0 ? 'room:drain' : dmOf(i), `round ${round}`);
        });
        round++;
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    while (round < 10) await new Promise((r) => setTimeout(r, 10));

    const exited = gw1.proc.kill('SIGTERM');
    const bye = await watcher.waitEvent((f) => f.ev === 'bye');
    expect(bye).toMatchObject({ ev: 'bye', reason: 'draining', reconnect: true });
    expect((await watcher.waitClose()).code).toBe(4010);
    expect(await exited).toBe(0);
    await expect(RawClient.connect(gw1.url)).rejects.toThrow();

    const roundAtExit = round;
    while (round < roundAtExit + 10) await new Promise((r) => setTimeout(r, 10));
    sending = false;
    await pump;
    await Promise.all(loads.map((c) => c.settled()));
    expect(loads.map((c) => c.gateway)).toEqual(users.map(() => gw2.id));
    expect(loads.every((c) => c.connections >= 2)).toBe(true);

    const failed = loads.flatMap((c) => c.sends.filter((s) => s.error));
    expect(failed).toEqual([]);
    const convs = new Set(['room:drain']);
    for (const c of loads) for (const s of c.sends) if (s.result) convs.add(s.result.conv);
    const history = new Map<string, Awaited<ReturnType<typeof readHistory>>>();
    for (const conv of convs) {
      const member = conv === 'room:drain' ? users[0] : conv.split(':')[1];
      history.set(conv, await readHistory([gw2.http], conv, member));
    }
    const convsOf = (u: string) => [...convs].filter((c) => c === 'room:drain' || c.split(':').includes(u));
    const receivers = loads.map((c) => ({ client: c, convs: convsOf(c.user) }));
    await waitDelivered(receivers, history);
    const result = check({
      acked: loads.flatMap((c) => ackedOf(c.sends)),
      history,
      receivers: receivers.map(({ client, convs }) => receiverOf(client, convs)),
    });
    expect(result.problems).toEqual([]);
    expect(clean(result)).toBe(true);
    expect(result.acknowledged).toBe(loads.reduce((n, c) => n + c.sends.length, 0));

    await gw1.proc.restart();
    const back = await raw(0, 'drain-back');
    expect(
      (await back.ok('send', { to: 'user:drain0', cid: 'back-1', text: 'gw-1 is back' })).seq,
    ).toBeGreaterThan(0);
  });
});

describe('SIGTERM on a service', () => {
  /**
   * Fires a burst of requests, SIGTERMs the service once it is busy with them, and checks:
   * it exits 0; every request is answered, none left to time out (a request the service
   * took is answered with its result; later ones fail fast with `unavailable`, nobody
   * listening); after a restart it serves again.
   */
  async function drainWhileBusy(
    name: 'history' | 'rooms' | 'presence',
    op: string,
    params: (i: number) => Record<string, unknown>,
    count: number,
  ) {
    const c = await raw(1, `busy-${name}`);
    await c.ok('join', { room: `busy-${name}` });
    const proc = cluster.services[name][0];
    // Small enough that the service answers all of it well within the request timeout
    // (2 cores, shared): a reply that took that long means a request dropped in the drain.
    const b = burst(c, op, count, params);
    await b.started;
    let exitCode: number | null;
    let replies: Awaited<typeof b.done>;
    try {
      exitCode = await proc.kill('SIGTERM');
      replies = await b.done;
    } finally {
      await proc.restart();
    }
    const counts = outcomes(replies);
    expect(exitCode, proc.logs()).toBe(0);
    expect(counts.none ?? 0).toBe(0);
    expect(Object.keys(counts).filter((k) => k !== 'result' && k !== 'unavailable')).toEqual([]);
    expect(counts.result ?? 0).toBeGreaterThan(0);
    const timeoutMs = Number(cluster.env.NATTER_REQUEST_TIMEOUT_MS);
    const slow = replies.filter((r) => r.ms >= timeoutMs);
    expect(
      slow.map((r) => `${r.ms} ms: ${r.frame?.error?.message}`),
      JSON.stringify(counts),
    ).toEqual([]);
    return { c, replies };
  }

  it('history answers the sends it holds, then exits 0; acknowledged ones are stored once', async () => {
    const { c, replies } = await drainWhileBusy(
      'history',
      'send',
      (i) => ({
        to: 'room:busy-history',
        cid: `busy-${i}`,
        text: `busy ${i}`,
      }),
      200,
    );
    const stored = await readHistory([cluster.gateways[1].http], 'room:busy-history', 'busy-history');
    const cids = new Map(stored.map((m) => [m.cid, m]));
    for (const r of replies.filter((x) => x.frame?.result)) {
      expect(cids.get(r.params.cid as string)?.seq).toBe(r.frame?.result?.seq);
    }
    expect(
      check({ acked: [], history: new Map([['room:busy-history', stored]]), receivers: [] }).seqGaps,
    ).toBe(0);
    expect((await c.ok('send', { to: 'room:busy-history', cid: 'after', text: 'after' })).seq).toBe(
      stored.length + 1,
    );
  });

  it('rooms answers the requests it holds, then exits 0', async () => {
    const { c } = await drainWhileBusy('rooms', 'join', (i) => ({ room: `busy-room-${i}` }), 40);
    expect(await c.ok('join', { room: 'after-rooms' })).toMatchObject({ room: 'after-rooms' });
  });

  it('presence answers the requests it holds, then exits 0', async () => {
    const { c } = await drainWhileBusy('presence', 'watch', (i) => ({ users: [`someone-${i}`] }), 200);
    expect(await c.ok('watch', { users: ['busy-history'] })).toMatchObject({
      presence: [{ user: 'busy-history', online: true }],
    });
  });
});
