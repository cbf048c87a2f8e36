import { MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { emit, RpcClient, serve, subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import type { RunningService } from '@natter/service';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRoomStore } from '../src/memory-store.ts';
import { start } from '../src/start.ts';
import { eventually, expectCode, record, type Seen } from './helpers.ts';

const NS = 'rt';
const s = subjects(NS);
const log = createLogger({ name: 'rooms-test', level: 'silent' });

/** A MemoryRoomStore that counts roster reads and can pretend its database is down. */
class ProbedStore extends MemoryRoomStore {
  rosterReads = 0;
  down = false;
  override async roster(room: string) {
    if (this.down) throw new NatterError('unavailable', 'rooms database is unavailable');
    this.rosterReads++;
    return super.roster(room);
  }
  override async ping() {
    if (this.down) throw new NatterError('unavailable', 'rooms database is unavailable');
  }
}

describe('rooms service (MemoryBus + MemoryRoomStore)', () => {
  let bus: MemoryBus;
  let client: MemoryBus;
  let rpc: RpcClient;
  let store: ProbedStore;
  let svc: RunningService;
  let events: Seen[];

  async function boot(env: Record<string, string> = {}, extra: { probeMs?: number } = {}) {
    const config = loadConfig({ NATTER_NAMESPACE: NS, ...env });
    svc = await start(config, { bus, log, store, registry: new Registry(), ...extra });
  }

  beforeEach(async () => {
    bus = new MemoryBus();
    client = bus.connect();
    rpc = new RpcClient(client, s, 1000);
    store = new ProbedStore();
    // Three subscriptions of one connection: the bus keeps a publisher's order across them.
    events = [];
    for (const subject of [s.roomsChanged, s.room('*'), s.user('*')]) record(client, subject, events);
  });

  afterEach(async () => {
    await svc?.stop();
    await client.drain();
    await bus.drain();
  });

  it('join creates the room and announces roomsChanged, joined, then the membership route', async () => {
    await boot();
    expect(await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' }, { trace: 'tr-1' })).toEqual(
      {
        room: 'general',
        joined: true,
        ver: 1,
      },
    );
    await eventually(() => expect(events).toHaveLength(3));
    expect(events).toEqual([
      {
        subject: s.roomsChanged,
        trace: 'tr-1',
        body: { v: 1, change: { user: 'alice', member: true, ver: 1 }, room: 'general' },
      },
      {
        subject: s.room('general'),
        trace: 'tr-1',
        body: { v: 1, kind: 'joined', room: 'general', user: 'alice', ver: 1 },
      },
      {
        subject: s.user('alice'),
        trace: 'tr-1',
        body: {
          v: 1,
          event: { kind: 'membership', room: 'general', member: true, ver: 1 },
        },
      },
    ]);
    expect(await rpc.call('rooms.roster', { v: 1, room: 'general' })).toEqual({
      exists: true,
      private: false,
      members: ['alice'],
      owner: 'alice',
    });
  });

  it('joining twice answers joined:false and announces nothing', async () => {
    await boot();
    await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' });
    await eventually(() => expect(events).toHaveLength(3));
    expect(await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' })).toEqual({
      room: 'general',
      joined: false,
      ver: 1,
    });
    // A later change proves the bus delivered everything published before it.
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'marker' });
    await eventually(() => expect(events).toHaveLength(6));
    expect(events.filter((e) => e.subject === s.room('general'))).toHaveLength(1);
  });

  it('a private room is forbidden without an invitation and open after one', async () => {
    await boot();
    expect(await rpc.call('rooms.create', { v: 1, user: 'alice', room: 'ops', private: true })).toEqual({
      room: 'ops',
      joined: true,
      ver: 1,
    });
    await expectCode(rpc.call('rooms.join', { v: 1, user: 'bob', room: 'ops' }), 'forbidden', /invitation/);
    await expectCode(
      rpc.call('rooms.invite', { v: 1, user: 'mallory', room: 'ops', invitee: 'bob' }),
      'forbidden',
      /not a member/,
    );
    expect(await rpc.call('rooms.invite', { v: 1, user: 'alice', room: 'ops', invitee: 'bob' })).toEqual({});
    expect(await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'ops' })).toEqual({
      room: 'ops',
      joined: true,
      ver: 2,
    });
    await expectCode(
      rpc.call('rooms.create', { v: 1, user: 'carol', room: 'ops', private: false }),
      'conflict',
    );
    // A room that does not exist answers like one the inviter is not in.
    await expectCode(
      rpc.call('rooms.invite', { v: 1, user: 'alice', room: 'nope', invitee: 'bob' }),
      'forbidden',
    );
    await eventually(() =>
      expect(events.filter((e) => e.subject === s.room('ops')).map((e) => e.body)).toEqual([
        { v: 1, kind: 'joined', room: 'ops', user: 'alice', ver: 1 },
        { v: 1, kind: 'joined', room: 'ops', user: 'bob', ver: 2 },
      ]),
    );
  });

  it('members is for members only and carries presence', async () => {
    await boot();
    await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' });
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'general' });
    await expectCode(rpc.call('rooms.members', { v: 1, user: 'eve', room: 'general' }), 'forbidden');
    // The same answer whether or not the room exists.
    await expectCode(rpc.call('rooms.members', { v: 1, user: 'eve', room: 'nowhere' }), 'forbidden');
    // No presence service: members are listed as offline rather than failing.
    expect(await rpc.call('rooms.members', { v: 1, user: 'alice', room: 'general' })).toEqual({
      members: [
        { user: 'alice', online: false },
        { user: 'bob', online: false },
      ],
    });
    const presence = serve(client, s, 'presenceQuery', 'presence', log, async (req) => ({
      presence: req.users.map((user) =>
        user === 'alice'
          ? { user, online: true }
          : { user, online: false, lastSeen: '2026-01-01T00:00:00.000Z' },
      ),
    }));
    expect(await rpc.call('rooms.members', { v: 1, user: 'bob', room: 'general' })).toEqual({
      members: [
        { user: 'alice', online: true },
        { user: 'bob', online: false, lastSeen: '2026-01-01T00:00:00.000Z' },
      ],
    });
    presence.unsubscribe();
  });

  it('lists the caller’s rooms, and public rooms by prefix', async () => {
    await boot();
    for (const room of ['general', 'games', 'random'])
      await rpc.call('rooms.join', { v: 1, user: 'alice', room });
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'general' });
    await rpc.call('rooms.create', { v: 1, user: 'alice', room: 'gsecret', private: true });
    expect(await rpc.call('rooms.list', { v: 1, user: 'alice', public: true, prefix: 'g' })).toEqual({
      rooms: [
        { room: 'games', private: false, members: 1, ver: 1 },
        { room: 'general', private: false, members: 2, ver: 2 },
      ],
    });
    expect(await rpc.call('rooms.list', { v: 1, user: 'bob', public: true, limit: 1 })).toEqual({
      rooms: [{ room: 'games', private: false, members: 1, ver: 1 }],
    });
    expect(await rpc.call('rooms.list', { v: 1, user: 'bob' })).toEqual({
      rooms: [{ room: 'general', private: false, members: 2, ver: 2, role: 'member' }],
    });
    // alice made general by joining it first: its owner.
    expect((await rpc.call('rooms.list', { v: 1, user: 'alice' })).rooms).toContainEqual(
      expect.objectContaining({ room: 'general', role: 'owner' }),
    );
    await expectCode(
      rpc.call('rooms.list', { v: 1, user: 'bob', public: true, limit: 201 }),
      'bad_request',
      /limit/,
    );
  });

  it('leave announces left and a membership route with member:false, once', async () => {
    await boot();
    await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' });
    await rpc.call('rooms.leave', { v: 1, user: 'alice', room: 'general' }, { trace: 'tr-leave' });
    expect(await rpc.call('rooms.leave', { v: 1, user: 'alice', room: 'general' })).toEqual({ ver: 2 });
    // Leaving a room that does not exist answers like leaving one you are not in.
    expect(await rpc.call('rooms.leave', { v: 1, user: 'alice', room: 'nowhere' })).toEqual({ ver: 0 });
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'marker' });
    await eventually(() => expect(events).toHaveLength(9));
    expect(events.slice(3, 6)).toEqual([
      {
        subject: s.roomsChanged,
        trace: 'tr-leave',
        body: { v: 1, change: { user: 'alice', member: false, ver: 2 }, room: 'general' },
      },
      {
        subject: s.room('general'),
        trace: 'tr-leave',
        body: { v: 1, kind: 'left', room: 'general', user: 'alice', ver: 2 },
      },
      {
        subject: s.user('alice'),
        trace: 'tr-leave',
        body: {
          v: 1,
          event: { kind: 'membership', room: 'general', member: false, ver: 2 },
        },
      },
    ]);
    expect(await rpc.call('rooms.roster', { v: 1, room: 'general' })).toEqual({
      exists: true,
      private: false,
      members: [],
      owner: 'alice',
    });
  });

  it('serves rosters from its cache, changed in place by its own changes, dropped by roomsChanged', async () => {
    await boot();
    await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'general' });
    for (let i = 0; i < 5; i++) await rpc.call('rooms.roster', { v: 1, room: 'general' });
    await rpc.call('rooms.members', { v: 1, user: 'alice', room: 'general' });
    expect(store.rosterReads).toBe(1);
    // Its own changes update the entry in place (the next version each time): no reload.
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'general' });
    expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).members).toEqual(['alice', 'bob']);
    await rpc.call('rooms.join', { v: 1, user: 'dave', room: 'general' });
    await rpc.call('rooms.leave', { v: 1, user: 'dave', room: 'general' });
    expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).members).toEqual(['alice', 'bob']);
    expect(store.rosterReads).toBe(1);
    // A change that skips a version (one announcement lost) drops it instead.
    emit(client, s, 'roomsChanged', { room: 'general', change: { user: 'zed', member: true, ver: 99 } });
    await eventually(async () => {
      await rpc.call('rooms.roster', { v: 1, room: 'general' });
      expect(store.rosterReads).toBe(2);
    });
    // Another instance's change: the store moved behind our back, then roomsChanged arrives.
    await store.join('general', 'carol');
    expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).members).toEqual(['alice', 'bob']);
    emit(client, s, 'roomsChanged', { room: 'general' });
    await eventually(async () =>
      expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).members).toEqual([
        'alice',
        'bob',
        'carol',
      ]),
    );
  });

  it('marks joins and leaves of a room past NATTER_ROOM_ANNOUNCE_MAX quiet, and only those', async () => {
    await boot({ NATTER_ROOM_ANNOUNCE_MAX: '2' });
    for (const user of ['alice', 'bob', 'carol']) await rpc.call('rooms.join', { v: 1, user, room: 'big' });
    await rpc.call('rooms.leave', { v: 1, user: 'carol', room: 'big' });
    await rpc.call('rooms.leave', { v: 1, user: 'bob', room: 'big' });
    await eventually(() => expect(events.filter((e) => e.subject === s.room('big'))).toHaveLength(5));
    const quiet = events
      .filter((e) => e.subject === s.room('big'))
      .map((e) => {
        const b = e.body as { kind: string; user: string; quiet?: boolean };
        return `${b.kind} ${b.user}${b.quiet ? ' quiet' : ''}`;
      });
    // 1 and 2 members: announced; 3: quiet; carol leaves (2 left): announced; bob (1): announced.
    expect(quiet).toEqual(['joined alice', 'joined bob', 'joined carol quiet', 'left carol', 'left bob']);
    // The membership route to the user's own sessions is never quiet.
    expect(events.filter((e) => e.subject === s.user('carol'))).toHaveLength(2);
  });

  it('enforces the configured limits with forbidden', async () => {
    await boot({ NATTER_MAX_ROOMS_PER_USER: '1', NATTER_MAX_ROOM_MEMBERS: '2' });
    await rpc.call('rooms.join', { v: 1, user: 'alice', room: 'one' });
    await expectCode(
      rpc.call('rooms.join', { v: 1, user: 'alice', room: 'two' }),
      'forbidden',
      /rooms-per-user/,
    );
    await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'one' });
    await expectCode(
      rpc.call('rooms.join', { v: 1, user: 'carol', room: 'one' }),
      'forbidden',
      /members-per-room/,
    );
  });

  it('rejects malformed ids with bad_request', async () => {
    await boot();
    await expectCode(
      rpc.call('rooms.join', { v: 1, user: 'alice', room: 'Bad.Room' }),
      'bad_request',
      /room/,
    );
    await expectCode(rpc.call('rooms.join', { v: 1, user: 'a:b', room: 'ok' }), 'bad_request', /user/);
  });

  it('answers unavailable and is not ready while the database is down, and recovers', async () => {
    await boot({}, { probeMs: 20 });
    expect(svc.ready()).toBe(true);
    store.down = true;
    await expectCode(rpc.call('rooms.roster', { v: 1, room: 'general' }), 'unavailable');
    expect(svc.ready()).toBe(false);
    store.down = false;
    await eventually(() => expect(svc.ready()).toBe(true));
    expect((await rpc.call('rooms.roster', { v: 1, room: 'general' })).exists).toBe(false);
  });

  it('two instances on one bus answer each request once, and stop() leaves the bus usable', async () => {
    await boot();
    const other = await start(loadConfig({ NATTER_NAMESPACE: NS }), {
      bus: bus.connect(),
      log,
      store,
      registry: new Registry(),
    });
    const rooms = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const replies = await Promise.all(
      rooms.map((room) => rpc.call('rooms.join', { v: 1, user: 'alice', room })),
    );
    expect(replies.every((r) => r.joined)).toBe(true);
    await eventually(() =>
      expect(events.filter((e) => e.subject.startsWith(`${NS}.room.`))).toHaveLength(20),
    );
    await other.stop();
    expect(other.ready()).toBe(false);
    expect((await rpc.call('rooms.list', { v: 1, user: 'alice' })).rooms).toHaveLength(20);
  });
});
