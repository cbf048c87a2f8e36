import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Rooms, presence, typing, read markers, resume and the server API across two gateways
 * and two instances of every service, on real NATS, Redis and Postgres.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

async function hello(gw: number, user: string, extra: Record<string, unknown> = {}) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) }, extra);
  clients.push(r.client);
  return r;
}

const seqs = (frames: Frame[]) => frames.map((f) => f.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function postMessage(body: unknown, key = API_KEY) {
  const res = await fetch(`${cluster.gateways[0].http}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  cluster = await startCluster({ instances: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('rooms across two gateways', () => {
  it('three users on both gateways join, talk in order with no gaps, and leave', async () => {
    const { client: alice } = await hello(0, 'alice');
    const { client: bob } = await hello(1, 'bob');
    const { client: carol } = await hello(0, 'carol');
    expect(await alice.ok('join', { room: 'general' })).toEqual({ room: 'general', seq: 0 });
    await bob.ok('join', { room: 'general' });
    await alice.waitEvent((f) => f.ev === 'joined' && f.user === 'bob');
    await carol.ok('join', { room: 'general' });
    await bob.waitEvent((f) => f.ev === 'joined' && f.user === 'carol');
    await alice.waitEvent((f) => f.ev === 'joined' && f.user === 'carol');
    expect(await alice.ok('join', { room: 'general' })).toMatchObject({ room: 'general' });

    const users = [alice, bob, carol];
    const sends: Promise<Record<string, unknown>>[] = [];
    for (let i = 0; i < 50; i++) {
      for (const [k, u] of users.entries()) {
        sends.push(u.ok('send', { to: 'room:general', cid: `g-${k}-${i}`, text: `${k}:${i}` }));
      }
    }
    const results = await Promise.all(sends);
    expect(results.map((r) => r.seq as number).sort((a, b) => a - b)).toEqual(range(1, 150));
    for (const [k, u] of users.entries()) {
      const got = seqs(await u.waitMessages('room:general', 100));
      const mine = new Set(results.filter((_, i) => i % 3 === k).map((r) => r.seq));
      expect(got).toEqual(range(1, 150).filter((s) => !mine.has(s)));
    }

    const rooms = await bob.ok('rooms');
    expect(rooms.rooms).toEqual([{ room: 'general', seq: 150, members: 3, private: false, role: 'member' }]);
    const members = await bob.ok('members', { room: 'general' });
    expect(members.members).toEqual(
      expect.arrayContaining([
        { user: 'alice', online: true },
        { user: 'bob', online: true },
        { user: 'carol', online: true },
      ]),
    );
    const pub = await carol.ok('rooms', { public: true, prefix: 'gen' });
    expect((pub.rooms as Frame[]).map((r) => r.room)).toEqual(['general']);
    // Carol's gateway reads pages itself and now holds the room's roster with her in it.
    expect((await carol.ok('history', { conv: 'room:general', limit: 1 })).messages).toHaveLength(1);
    expect((await carol.ok('history', { conv: 'thread:room:general:1' })).messages).toEqual([]);

    await carol.ok('leave', { room: 'general' });
    // The leave's roomsChanged reached her gateway before the answer: its cached roster is
    // gone, and neither the room's page nor a thread's is hers any more.
    for (const conv of ['room:general', 'thread:room:general:1']) {
      const page = await carol.request('history', { conv });
      expect(page.error?.code, conv).toBe('forbidden');
    }
    await alice.waitEvent((f) => f.ev === 'left' && f.user === 'carol');
    await bob.waitEvent((f) => f.ev === 'left' && f.user === 'carol');
    const after = await carol.request('send', { to: 'room:general', cid: 'after-leave', text: 'x' });
    expect(after.error?.code).toBe('forbidden');
    await bob.ok('send', { to: 'room:general', cid: 'post-leave', text: 'carol is gone' });
    await alice.waitMessages('room:general', 101);
    await bob.ok('ping');
    expect(carol.messages('room:general').some((m) => m.text === 'carol is gone')).toBe(false);
  });

  it('keeps a private room to invited members', async () => {
    const { client: owner } = await hello(0, 'olga');
    const { client: guest } = await hello(1, 'gus');
    const { client: stranger } = await hello(1, 'sam');
    await owner.ok('create', { room: 'ops', private: true });
    const dup = await guest.request('create', { room: 'ops' });
    expect(dup.error?.code).toBe('conflict');
    const uninvited = await guest.request('join', { room: 'ops' });
    expect(uninvited.error?.code).toBe('forbidden');
    const strangerInvite = await stranger.request('invite', { room: 'ops', user: 'sam' });
    expect(strangerInvite.error?.code).toBe('forbidden');
    await owner.ok('send', { to: 'room:ops', cid: 'o-1', text: 'secret plan' });
    await owner.ok('invite', { room: 'ops', user: 'gus' });
    await guest.ok('join', { room: 'ops' });
    const hist = await guest.ok('history', { conv: 'room:ops' });
    expect((hist.messages as Frame[]).map((m) => m.text)).toEqual(['secret plan']);
    for (const [op, params] of [
      ['history', { conv: 'room:ops' }],
      ['members', { room: 'ops' }],
      ['send', { to: 'room:ops', cid: 's-1', text: 'let me in' }],
      ['read', { conv: 'room:ops', seq: 1 }],
      ['typing', { to: 'room:ops' }],
    ] as const) {
      const r = await stranger.request(op, params);
      expect(r.error?.code, op).toBe('forbidden');
      expect(r.error?.message.length, op).toBeGreaterThan(0);
    }
    const pub = await stranger.ok('rooms', { public: true, prefix: 'op' });
    expect(pub.rooms).toEqual([]);
    await owner.ok('send', { to: 'room:ops', cid: 'o-2', text: 'welcome gus' });
    const [m] = await guest.waitMessages('room:ops', 1);
    expect(m).toMatchObject({ text: 'welcome gus', seq: 2, from: 'olga' });
  });

  it('rejects bad input with the documented codes and stores nothing', async () => {
    const { client: c } = await hello(0, 'bad-input');
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['join', {}, 'bad_request', /^room:/],
      ['join', { room: 'Has Caps' }, 'bad_request', /^room:/],
      ['join', { room: 7 }, 'bad_request', /^room:/],
      ['create', { room: 'x'.repeat(65) }, 'bad_request', /^room:/],
      ['create', { room: 'ok-room', private: 'yes' }, 'bad_request', /^private:/],
      ['invite', { room: 'general' }, 'bad_request', /^user:/],
      ['leave', { room: '' }, 'bad_request', /^room:/],
      // The same answer as for a room one is not in (docs/protocol.md, "What answers reveal").
      ['members', { room: 'nope-not-here' }, 'forbidden', /./],
      ['history', { conv: 'room:' }, 'bad_request', /conv/],
      ['history', { conv: 'dm:bob:alice' }, 'bad_request', /conv/],
      ['history', { conv: 'room:general', limit: 500 }, 'bad_request', /^limit:/],
      ['send', { to: 'room:general', cid: 'x'.repeat(65), text: 'x' }, 'bad_request', /^cid:/],
      ['send', { to: 'room:nope-not-here', cid: 'n1', text: 'x' }, 'forbidden', /room:nope-not-here/],
      ['send', { to: 'channel:general', cid: 'n2', text: 'x' }, 'bad_request', /^to:/],
      ['read', { conv: 'room:general', seq: -1 }, 'bad_request', /^seq:/],
      ['typing', {}, 'bad_request', /^to:/],
      ['watch', { users: 'bob' }, 'bad_request', /^users:/],
      ['watch', { users: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, 'bad_request', /^users:/],
      ['rooms', { limit: 0 }, 'bad_request', /^limit:/],
    ];
    for (const [op, params, code, message] of cases) {
      const r = await c.request(op, params);
      expect(r.error?.code, `${op} ${JSON.stringify(params).slice(0, 60)}`).toBe(code);
      expect(r.error?.message, op).toMatch(message);
    }
    // Watching past 1000 in total over several requests is refused too.
    await c.ok('watch', { users: Array.from({ length: 1000 }, (_, i) => `w${i}`) });
    const over = await c.request('watch', { users: ['one-more'] });
    expect(over.error?.code).toBe('too_large');
    const ok = await c.ok('rooms');
    expect(ok.rooms).toEqual([]);
    const res = await fetch(`${cluster.gateways[0].http}/v1/conversations`, {
      headers: { authorization: `Bearer ${await token('bad-input')}` },
    });
    expect((await res.json()).convs).toEqual([]);
  });
});

describe('typing, read markers and presence', () => {
  it('sends typing and read events to the other members, in rooms and DMs', async () => {
    const { client: ann } = await hello(0, 'ann');
    const { client: ben } = await hello(1, 'ben');
    const { client: ann2 } = await hello(1, 'ann');
    await ann.ok('join', { room: 'lounge' });
    await ben.ok('join', { room: 'lounge' });
    await ann.ok('typing', { to: 'room:lounge' });
    expect(await ben.waitEvent((f) => f.ev === 'typing')).toMatchObject({ conv: 'room:lounge', user: 'ann' });
    await ben.ok('typing', { to: 'user:ann' });
    expect(await ann.waitEvent((f) => f.ev === 'typing' && f.conv === 'dm:ann:ben')).toMatchObject({
      user: 'ben',
    });
    await ann2.waitEvent((f) => f.ev === 'typing' && f.conv === 'dm:ann:ben');

    const r = await ben.ok('send', { to: 'room:lounge', cid: 'l-1', text: 'read me' });
    await ann.waitMessages('room:lounge', 1);
    await ann.ok('read', { conv: 'room:lounge', seq: r.seq });
    expect(await ben.waitEvent((f) => f.ev === 'read')).toMatchObject({
      conv: 'room:lounge',
      user: 'ann',
      seq: r.seq,
    });
    // Never moves back.
    await ann.ok('read', { conv: 'room:lounge', seq: 0 });
    const convs = await fetch(`${cluster.gateways[0].http}/v1/conversations`, {
      headers: { authorization: `Bearer ${await token('ann')}` },
    }).then((x) => x.json());
    expect(convs.convs).toContainEqual({ conv: 'room:lounge', seq: 1, ver: 1, read: 1 });

    const d = await ben.ok('send', { to: 'user:ann', cid: 'dm-1', text: 'psst' });
    await ann.waitMessages('dm:ann:ben', 1);
    await ann.ok('read', { conv: 'dm:ann:ben', seq: d.seq });
    expect(await ben.waitEvent((f) => f.ev === 'read' && f.conv === 'dm:ann:ben')).toMatchObject({
      user: 'ann',
      seq: 1,
    });
  });

  it('tells a watcher on the other gateway when a user comes and goes', async () => {
    const { client: watcher } = await hello(0, 'wally');
    const initial = await watcher.ok('watch', { users: ['zoe', 'nobody-here'] });
    expect(initial.presence).toEqual([
      { user: 'zoe', online: false },
      { user: 'nobody-here', online: false },
    ]);
    const { client: zoe } = await hello(1, 'zoe');
    expect(
      await watcher.waitEvent((f) => f.ev === 'presence' && f.user === 'zoe' && f.online === true),
    ).toBeTruthy();
    const { client: zoe2 } = await hello(0, 'zoe');
    zoe.close();
    await zoe2.ok('ping');
    zoe2.close();
    const off = await watcher.waitEvent((f) => f.ev === 'presence' && f.user === 'zoe' && f.online === false);
    expect(off.lastSeen).toMatch(/Z$/);
    // One offline transition for the last session, not one per session.
    expect(watcher.events.filter((f) => f.ev === 'presence' && f.user === 'zoe')).toHaveLength(2);
    const again = await watcher.ok('watch', { users: ['zoe'] });
    expect((again.presence as Frame[])[0]).toMatchObject({
      user: 'zoe',
      online: false,
      lastSeen: off.lastSeen,
    });
  });
});

describe('resume and the server API', () => {
  it('replays exactly what a client missed, with a gap past 500', async () => {
    const { client: sender } = await hello(0, 'sender');
    const { client: rx } = await hello(1, 'rx');
    await sender.ok('join', { room: 'replay' });
    await rx.ok('join', { room: 'replay' });
    for (let i = 1; i <= 3; i++) await sender.ok('send', { to: 'room:replay', cid: `r-${i}`, text: `m${i}` });
    await rx.waitMessages('room:replay', 3);
    rx.close();
    for (let i = 4; i <= 8; i++) await sender.ok('send', { to: 'room:replay', cid: `r-${i}`, text: `m${i}` });
    const back = await hello(0, 'rx', { since: { 'room:replay': 3 } });
    expect(seqs(back.client.messages('room:replay'))).toEqual([4, 5, 6, 7, 8]);
    expect(back.client.events.at(-1)?.ev).toBe('synced');
    expect(back.hello.convs).toContainEqual({ conv: 'room:replay', seq: 8, ver: 8, read: 0 });
    back.client.close();

    // 600 more while away: a gap for the oldest 100, then the newest 500.
    for (let i = 9; i <= 608; i += 50) {
      await Promise.all(
        range(i, i + 49).map((k) =>
          postMessage({ from: 'sender', to: 'room:replay', cid: `bulk-${k}`, text: `m${k}` }).then((r) => {
            expect(r.status).toBe(200);
          }),
        ),
      );
    }
    const far = await hello(1, 'rx', { since: { 'room:replay': 8 } });
    const gap = far.client.events.find((f) => f.ev === 'gap');
    expect(gap).toMatchObject({ conv: 'room:replay', after: 8, before: 109 });
    expect(seqs(far.client.messages('room:replay'))).toEqual(range(109, 608));
    const order = far.client.events.map((f) => f.ev);
    expect(order.indexOf('gap')).toBeLessThan(order.indexOf('message'));
    expect(order.at(-1)).toBe('synced');
    const page = await far.client.ok('history', { conv: 'room:replay', after: 8, limit: 100 });
    expect(seqs(page.messages as Frame[])).toEqual(range(9, 108));
  });

  it('accepts messages from the server API with the API key only', async () => {
    const { client: member } = await hello(1, 'member');
    await member.ok('join', { room: 'deploys' });
    const r = await postMessage({ from: 'system', to: 'room:deploys', text: 'deploy done', cid: 'deploy-1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ conv: 'room:deploys', seq: 1 });
    const [m] = await member.waitMessages('room:deploys', 1);
    expect(m).toMatchObject({ from: 'system', text: 'deploy done' });
    const again = await postMessage({
      from: 'system',
      to: 'room:deploys',
      text: 'deploy done',
      cid: 'deploy-1',
    });
    expect(again.body).toEqual(r.body);
    const dm = await postMessage({ from: 'bot', to: 'user:member', text: 'hello from a bot', cid: 'bot-1' });
    expect(dm.body).toMatchObject({ conv: 'dm:bot:member', seq: 1 });
    await member.waitMessages('dm:bot:member', 1);
    expect(
      (await postMessage({ from: 'system', to: 'room:deploys', text: 'x', cid: 'k' }, 'wrong-key')).status,
    ).toBe(401);
    const bad = await postMessage({ from: 'system', to: 'room:deploys', cid: 'no-text' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
    const badFrom = await postMessage({ from: 'not ok', to: 'room:deploys', text: 'x', cid: 'bf' });
    expect(badFrom.body.error.message).toMatch(/^from:/);
  });
});

describe('a gateway that dies', () => {
  it('is cleaned up by TTL and its users’ watchers get offline', async () => {
    const { client: watcher } = await hello(0, 'watcher2');
    const { client: victim } = await hello(1, 'victim');
    await watcher.ok('watch', { users: ['victim'] });
    expect(victim.closed).toBeUndefined();
    await cluster.gateways[1].proc.kill('SIGKILL');
    const off = await watcher.waitEvent(
      (f) => f.ev === 'presence' && f.user === 'victim' && f.online === false,
      15_000,
    );
    expect(off.lastSeen).toBeTruthy();
    const m = await watcher.ok('watch', { users: ['victim'] });
    expect((m.presence as Frame[])[0].online).toBe(false);
  });
});
