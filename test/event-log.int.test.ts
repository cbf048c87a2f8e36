import type { LoggedEvent } from '@natter/events';
import { waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * What the event log records beyond message.created and membership (PROTOCOL 1.1 section 5),
 * read back through GET /v1/events on the distributed topology (real NATS, Redis, Postgres,
 * two gateways): the lifecycle of a message (edit, delete, react, unreact, each once, and
 * nothing for a retry that changes nothing or a refused change), and presence's
 * user.online / user.offline (first session anywhere, last session gone).
 */
let cluster: Cluster;
const clients: RawClient[] = [];

async function hello(gw: number, user: string): Promise<RawClient> {
  const r = await RawClient.hello(cluster.gateways[gw]!.url, { token: await token(user) });
  clients.push(r.client);
  return r.client;
}

/** Every event of the log so far, oldest first. */
async function logged(): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  let after = '';
  for (;;) {
    const res = await fetch(
      `${cluster.gateways[0]!.http}/v1/events?limit=1000${after && `&after=${after}`}`,
      {
        headers: { authorization: `Bearer ${API_KEY}` },
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: LoggedEvent[]; next?: string };
    if (body.events.length === 0) return out;
    out.push(...body.events);
    after = body.next!;
  }
}

const ofTypes = (evs: LoggedEvent[], ...types: string[]) => evs.filter((e) => types.includes(e.type));
const userEvents = (evs: LoggedEvent[], user: string) =>
  evs
    .filter((e) => (e.type === 'user.online' || e.type === 'user.offline') && e.data.user === user)
    .map((e) => e.type);

beforeAll(async () => {
  cluster = await startCluster({ gateways: 2, hooks: 1 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('the event log of a message lifecycle', () => {
  it('logs each edit, delete, reaction and unreaction once, with the message as history has it', async () => {
    const alice = await hello(0, 'lc-alice');
    const bob = await hello(1, 'lc-bob');
    await alice.ok('join', { room: 'lc' });
    await bob.ok('join', { room: 'lc' });
    const conv = 'room:lc';
    const sent = await alice.ok('send', { to: conv, cid: 'lc1', text: 'helo' });
    const seq = sent.seq as number;
    const mid = sent.mid as string;

    await alice.ok('edit', { conv, seq, text: 'hello' });
    await alice.ok('edit', { conv, seq, text: 'hello' }); // a retry: changes nothing
    // Refused (not the author): nothing logged.
    expect((await bob.request('edit', { conv, seq, text: 'mine now' })).error?.code).toBe('forbidden');
    await bob.ok('react', { conv, seq, emoji: '👍' });
    await bob.ok('react', { conv, seq, emoji: '👍' }); // again: nothing new
    await bob.ok('unreact', { conv, seq, emoji: '👍' });
    await bob.ok('unreact', { conv, seq, emoji: '👍' });
    await alice.ok('pin', { conv, seq }); // pins are not in the event table
    await alice.ok('delete', { conv, seq });
    await alice.ok('delete', { conv, seq });

    const types = ['message.edited', 'message.deleted', 'reaction.added', 'reaction.removed'];
    await waitFor(async () => ofTypes(await logged(), 'message.deleted').length >= 1, { timeoutMs: 10_000 });
    const evs = ofTypes(await logged(), ...types);
    expect(evs.map((e) => e.type)).toEqual([
      'message.edited',
      'reaction.added',
      'reaction.removed',
      'message.deleted',
    ]);
    const [edited, added, removed, deleted] = evs;
    expect(edited!.data).toMatchObject({ conv, seq, mid, from: 'lc-alice', text: 'hello' });
    expect(edited!.data).not.toHaveProperty('cid');
    expect(added!.data).toEqual({ conv, seq, mid, user: 'lc-bob', emoji: '👍' });
    expect(removed!.data).toEqual({ conv, seq, mid, user: 'lc-bob', emoji: '👍' });
    expect(deleted!.data).toMatchObject({ conv, seq, mid, from: 'lc-alice' });
    expect(deleted!.data).not.toHaveProperty('text');
    expect(deleted!.data).toHaveProperty('deleted');
    // ver grows with each change, as history's does.
    const vers = evs.map((e) => (e.data as { ver?: number }).ver).filter((v) => v !== undefined);
    expect(vers).toEqual([...vers].sort((a, b) => a! - b!));

    // member.left carries its reason.
    await bob.ok('leave', { room: 'lc' });
    await waitFor(async () => ofTypes(await logged(), 'member.left').length >= 1, { timeoutMs: 10_000 });
    expect(ofTypes(await logged(), 'member.left')[0]!.data).toEqual({
      room: 'lc',
      user: 'lc-bob',
      reason: 'left',
    });
  });
});

describe('the event log of presence', () => {
  it('first session anywhere -> one user.online, a second session -> none, last gone -> one user.offline', async () => {
    const first = await hello(0, 'pr-carol');
    await waitFor(async () => userEvents(await logged(), 'pr-carol').length >= 1, { timeoutMs: 10_000 });
    const second = await hello(1, 'pr-carol');
    first.close();
    // Give presence time to (wrongly) log anything for the second session or the first's close.
    await new Promise((r) => setTimeout(r, 2000));
    expect(userEvents(await logged(), 'pr-carol')).toEqual(['user.online']);
    second.close();
    await waitFor(async () => userEvents(await logged(), 'pr-carol').length >= 2, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(userEvents(await logged(), 'pr-carol')).toEqual(['user.online', 'user.offline']);
    const on = (await logged()).find((e) => e.type === 'user.online' && e.data.user === 'pr-carol')!;
    expect(on.data).toEqual({ user: 'pr-carol' });
  });

  it('a gateway that dies (SIGKILL) takes its users offline once they are swept', async () => {
    const gw = await cluster.addGateway();
    const { client: c } = await RawClient.hello(gw.url, { token: await token('pr-dan') });
    await waitFor(async () => userEvents(await logged(), 'pr-dan').length >= 1, { timeoutMs: 10_000 });
    await gw.proc.kill('SIGKILL');
    await waitFor(async () => userEvents(await logged(), 'pr-dan').length >= 2, { timeoutMs: 15_000 });
    expect(userEvents(await logged(), 'pr-dan')).toEqual(['user.online', 'user.offline']);
    c.close();
  });
});
