import { type Bus, connectNatsBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { RpcClient, subjects } from '@natter/contracts';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import type { RunningService } from '@natter/service';
import { type NatsHandle, type PostgresHandle, startNats, startPostgres, waitFor } from '@natter/testkit';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateRooms } from '../src/migrations.ts';
import { PgRoomStore } from '../src/pg-store.ts';
import { start } from '../src/start.ts';
import { expectCode, record, type Seen } from './helpers.ts';

const NS = 'rint';
const s = subjects(NS);
const log = createLogger({ name: 'rooms-int', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const config = loadConfig({ NATTER_NAMESPACE: NS, NATTER_REQUEST_TIMEOUT_MS: '2000' });

interface Instance {
  bus: Bus;
  pool: pg.Pool;
  registry: Registry;
  svc: RunningService;
}

let nats: NatsHandle;
let postgres: PostgresHandle;
const instances: Instance[] = [];
let client: Bus;
let observer: Bus;
let rpc: RpcClient;
const events: Seen[] = [];

async function answered(i: Instance): Promise<number> {
  const metric = await i.registry.getSingleMetric('natter_rooms_requests_total')?.get();
  return (metric?.values ?? []).reduce((n, v) => n + v.value, 0);
}

/** Every event published before the replies the client has seen has reached the observer. */
async function settled(): Promise<Seen[]> {
  await observer.flush();
  return events;
}

function count(subject: string, pred: (body: Record<string, unknown>) => boolean = () => true): number {
  return events.filter((e) => e.subject === subject && pred(e.body as Record<string, unknown>)).length;
}

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  const databaseUrl = await postgres.createDatabase();
  // Two instances migrating at once, as two processes starting together would.
  await Promise.all([migrateRooms(databaseUrl, log), migrateRooms(databaseUrl, log)]);
  for (let n = 0; n < 2; n++) {
    const bus = await connectNatsBus({ servers: nats.url, name: `rooms-${n}`, log });
    const pool = createPool(databaseUrl, { log, name: `rooms-${n}` });
    const registry = new Registry();
    const svc = await start(config, { bus, log, store: new PgRoomStore(pool), registry, probeMs: 100 });
    instances.push({ bus, pool, registry, svc });
  }
  client = await connectNatsBus({ servers: nats.url, name: 'client', log });
  observer = await connectNatsBus({ servers: nats.url, name: 'observer', log });
  for (const subject of [s.roomsChanged, s.room('*'), s.user('*')]) record(observer, subject, events);
  await observer.flush();
  rpc = new RpcClient(client, s, 2000);
});

afterAll(async () => {
  for (const i of instances) {
    await i.svc.stop();
    await i.bus.drain();
    await i.pool.end();
  }
  await client?.drain();
  await observer?.drain();
  await Promise.all([nats?.stop(), postgres?.stop()]);
});

describe('rooms service: two instances on NATS and Postgres', () => {
  it('joins and leaves through both instances keep one roster, with one set of events per change', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
    const joins = await Promise.all(
      users.map((user) => rpc.call('rooms.join', { v: 1, user, room: 'lobby' })),
    );
    expect(joins.every((j) => j.joined)).toBe(true);
    // Rejoins change nothing and announce nothing.
    const again = await Promise.all(
      users.slice(0, 5).map((user) => rpc.call('rooms.join', { v: 1, user, room: 'lobby' })),
    );
    expect(again.some((j) => j.joined)).toBe(false);

    // Whichever instance answers, right after the replies, has the full roster.
    for (let n = 0; n < 6; n++) {
      expect((await rpc.call('rooms.roster', { v: 1, room: 'lobby' })).members).toEqual([...users].sort());
    }

    const leavers = users.slice(0, 12);
    await Promise.all(leavers.map((user) => rpc.call('rooms.leave', { v: 1, user, room: 'lobby' })));
    await Promise.all(
      leavers.slice(0, 4).map((user) => rpc.call('rooms.leave', { v: 1, user, room: 'lobby' })),
    );
    const stay = users.slice(12).sort();
    for (let n = 0; n < 6; n++) {
      expect((await rpc.call('rooms.roster', { v: 1, room: 'lobby' })).members).toEqual(stay);
    }
    // One change at a time, with both caches warm: the instance that did not make the change
    // must have dropped its roster on `roomsChanged` before the caller can ask it.
    const roster = new Set(stay);
    for (let round = 0; round < 6; round++) {
      const user = `late${round % 3}`;
      if (round < 3) {
        await rpc.call('rooms.join', { v: 1, user, room: 'lobby' });
        roster.add(user);
      } else {
        await rpc.call('rooms.leave', { v: 1, user, room: 'lobby' });
        roster.delete(user);
      }
      for (let n = 0; n < 8; n++) {
        expect((await rpc.call('rooms.roster', { v: 1, room: 'lobby' })).members).toEqual([...roster].sort());
      }
    }

    const member = stay[0]!;
    expect((await rpc.call('rooms.members', { v: 1, user: member, room: 'lobby' })).members).toHaveLength(18);
    expect(await rpc.call('rooms.list', { v: 1, user: member, public: true, prefix: 'lob' })).toMatchObject({
      rooms: [{ room: 'lobby', private: false, members: 18 }],
    });

    await settled();
    const lobby = (b: Record<string, unknown>) => b.room === 'lobby';
    expect(count(s.roomsChanged, lobby)).toBe(30 + 12 + 6);
    expect(count(s.room('lobby'), (b) => b.kind === 'joined')).toBe(30 + 3);
    expect(count(s.room('lobby'), (b) => b.kind === 'left')).toBe(12 + 3);
    expect(
      events.filter(
        (e) =>
          e.subject.startsWith(s.user('')) && (e.body as { event: { room: string } }).event.room === 'lobby',
      ),
    ).toHaveLength(48);
    // Each user joined once and left at most once.
    for (const user of users) {
      const mine = events.filter(
        (e) => e.subject === s.room('lobby') && (e.body as { user: string }).user === user,
      );
      expect(mine.map((e) => (e.body as { kind: string }).kind)).toEqual(
        leavers.includes(user) ? ['joined', 'left'] : ['joined'],
      );
    }
    // The queue group spread the work over both instances.
    for (const i of instances) expect(await answered(i)).toBeGreaterThan(0);
  });

  it('a private room admits an invitee through either instance', async () => {
    await rpc.call('rooms.create', { v: 1, user: 'alice', room: 'ops', private: true });
    await expectCode(rpc.call('rooms.join', { v: 1, user: 'bob', room: 'ops' }), 'forbidden', /invitation/);
    await expectCode(rpc.call('rooms.members', { v: 1, user: 'bob', room: 'ops' }), 'forbidden');
    await rpc.call('rooms.invite', { v: 1, user: 'alice', room: 'ops', invitee: 'bob' });
    expect(await rpc.call('rooms.join', { v: 1, user: 'bob', room: 'ops' })).toEqual({
      room: 'ops',
      joined: true,
      ver: 2,
    });
    for (let n = 0; n < 4; n++) {
      expect(await rpc.call('rooms.members', { v: 1, user: 'bob', room: 'ops' })).toEqual({
        members: [
          { user: 'alice', online: false },
          { user: 'bob', online: false },
        ],
      });
    }
    expect((await rpc.call('rooms.list', { v: 1, user: 'bob' })).rooms).toEqual([
      { room: 'ops', private: true, members: 2, ver: 2, role: 'member' },
    ]);
    expect((await rpc.call('rooms.list', { v: 1, user: 'bob', public: true, prefix: 'op' })).rooms).toEqual(
      [],
    );
  });

  it('answers unavailable and is not ready while Postgres is down, then recovers by itself', async () => {
    await postgres.kill();
    await expectCode(rpc.call('rooms.join', { v: 1, user: 'carol', room: 'outage' }), 'unavailable');
    await waitFor(() => instances.every((i) => !i.svc.ready()), { what: 'both instances not ready' });
    await postgres.restart();
    await waitFor(() => instances.every((i) => i.svc.ready()), { what: 'both instances ready again' });
    expect(await rpc.call('rooms.join', { v: 1, user: 'carol', room: 'outage' })).toMatchObject({
      room: 'outage',
      joined: true,
    });
    expect((await rpc.call('rooms.roster', { v: 1, room: 'lobby' })).members).toHaveLength(18);
  });
});
