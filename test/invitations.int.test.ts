import { NatterClient } from '@natter/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Protocol 1.1 invitations on two gateways, with each service in its own process on real
 * NATS, Redis and Postgres: `invited` reaches every session of the invitee wherever it is
 * connected, `invites` lists the unused ones (and survives the invitee being offline),
 * `decline` drops one for good, and nobody sees or declines another user's.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

async function hello(gw: number, user: string): Promise<RawClient> {
  const r = await RawClient.hello(cluster.gateways[gw]!.url, { token: await token(user) });
  clients.push(r.client);
  return r.client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cluster = await startCluster({ gateways: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('invitations across gateways', () => {
  it('tells every session of the invitee, lists it, and a join uses it up', async () => {
    const alice = await hello(0, 'alice');
    const bobHere = await hello(0, 'bob');
    const bobThere = await hello(1, 'bob');
    const mallory = await hello(1, 'mallory');
    await alice.ok('create', { room: 'secret', private: true });
    await alice.ok('invite', { room: 'secret', user: 'bob' });

    for (const c of [bobHere, bobThere]) {
      const ev = await c.waitEvent((f) => f.ev === 'invited');
      expect(ev).toEqual({ ev: 'invited', room: 'secret', by: 'alice', private: true });
    }
    await sleep(300);
    // Nobody else hears of it: not the inviter, not a bystander on the invitee's gateway.
    expect(mallory.events.filter((f) => f.ev === 'invited')).toEqual([]);
    expect(alice.events.filter((f) => f.ev === 'invited')).toEqual([]);

    const listed = (await bobThere.ok('invites', {})).invites as { room: string; by: string; ts: string }[];
    expect(listed.map(({ room, by }) => ({ room, by }))).toEqual([{ room: 'secret', by: 'alice' }]);
    expect(Date.parse(listed[0]!.ts)).toBeGreaterThan(Date.now() - 60_000);
    expect((await mallory.ok('invites', {})).invites).toEqual([]);

    await bobThere.ok('join', { room: 'secret' });
    expect((await bobHere.ok('invites', {})).invites).toEqual([]);
    // Inviting a member sends nothing.
    const before = bobHere.events.length;
    await alice.ok('invite', { room: 'secret', user: 'bob' });
    await sleep(300);
    expect(bobHere.events.slice(before).filter((f) => f.ev === 'invited')).toEqual([]);
  });

  it('keeps an invitation for an offline invitee, and a decline closes the private room to them', async () => {
    const alice = await hello(0, 'alice');
    await alice.ok('create', { room: 'vault', private: true });
    await alice.ok('invite', { room: 'vault', user: 'carol' });

    // Carol comes online later, on the other gateway, through the SDK.
    const carol = new NatterClient({ url: cluster.gateways[1]!.url, WebSocket, token: await token('carol') });
    try {
      await carol.connect({ timeoutMs: 5000 });
      expect((await carol.invites()).map((i) => i.room)).toContain('vault');

      // Mallory cannot decline carol's invitation for her: a decline acts on the caller's own.
      const mallory = await hello(1, 'mallory');
      await mallory.ok('decline', { room: 'vault' });
      expect((await carol.invites()).map((i) => i.room)).toContain('vault');

      // Live, through the SDK's typed event.
      const seen = new Promise<{ room: string; by: string; private: boolean }>((resolve) =>
        carol.on('invited', resolve),
      );
      await alice.ok('create', { room: 'lounge' });
      await alice.ok('invite', { room: 'lounge', user: 'carol' });
      expect(await seen).toEqual({ room: 'lounge', by: 'alice', private: false });
      expect((await carol.invites()).map((i) => i.room)).toEqual(['lounge', 'vault']);

      await carol.decline('vault');
      expect((await carol.invites()).map((i) => i.room)).toEqual(['lounge']);
      await expect(carol.join('vault')).rejects.toMatchObject({ code: 'forbidden' });
      // Declining again, or where there is nothing, is `{}`.
      await carol.decline('vault');
      await carol.decline('nowhere');
    } finally {
      carol.close();
    }
  });

  it('refuses a bad room name with bad_request naming the field', async () => {
    const dave = await hello(0, 'dave');
    const r = await dave.request('decline', { room: 'no spaces allowed' });
    expect(r.error?.code).toBe('bad_request');
    expect(r.error?.message).toMatch(/^room:/);
    const missing = await dave.request('decline', {});
    expect(missing.error?.code).toBe('bad_request');
    expect(missing.error?.message).toMatch(/room/);
    // The connection keeps serving.
    expect((await dave.ok('invites', {})).invites).toEqual([]);
  });
});
