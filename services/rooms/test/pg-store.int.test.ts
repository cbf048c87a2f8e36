import { createPool, migrate } from '@natter/db';
import { createLogger } from '@natter/log';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateRooms, ROOMS_MIGRATIONS_DIR, ROOMS_MIGRATIONS_TABLE } from '../src/migrations.ts';
import { PgRoomStore } from '../src/pg-store.ts';
import { roomStoreContract } from './store-contract.ts';

const log = createLogger({ name: 'rooms-pg-test', level: 'silent' });

let postgres: PostgresHandle;
let pool: pg.Pool;
let store: PgRoomStore;

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  await migrateRooms(databaseUrl, log);
  // More connections than the default, so the concurrency tests really run in parallel.
  pool = createPool(databaseUrl, { max: 20, log });
  store = new PgRoomStore(pool);
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

roomStoreContract('postgres', () => store);

describe('PgRoomStore on Postgres', () => {
  it('migrations are idempotent and recorded in natter_rooms_migrations', async () => {
    const databaseUrl = await postgres.createDatabase();
    await migrate({ databaseUrl, dir: ROOMS_MIGRATIONS_DIR, table: ROOMS_MIGRATIONS_TABLE, log });
    await migrate({ databaseUrl, dir: ROOMS_MIGRATIONS_DIR, table: ROOMS_MIGRATIONS_TABLE, log });
    const p = createPool(databaseUrl, { log });
    try {
      const { rows } = await p.query<{ name: string }>(`SELECT name FROM ${ROOMS_MIGRATIONS_TABLE}`);
      expect(rows.map((r) => r.name)).toEqual([
        '001_rooms',
        '002_membership_versions',
        '003_invites_by_user',
      ]);
    } finally {
      await p.end();
    }
  });

  it('logs room.created, member.joined and member.left in the transactions of the changes', async () => {
    const events = async () => {
      const { rows } = await pool.query<{ type: string; data: unknown }>(
        `SELECT type, data FROM natter_events WHERE data->>'room' LIKE 'outbox-%' ORDER BY xid, id`,
      );
      return rows;
    };
    await store.create('outbox-a', 'ann', true);
    await store.join('outbox-b', 'bob'); // created by its first join
    await store.join('outbox-b', 'bob'); // already a member: no event
    await expect(store.join('outbox-a', 'eve')).rejects.toThrow(); // private: refused, nothing logged
    await store.leave('outbox-b', 'bob');
    await store.leave('outbox-b', 'bob'); // not a member any more: no event
    expect(await events()).toEqual([
      { type: 'room.created', data: { room: 'outbox-a', private: true, owner: 'ann' } },
      { type: 'member.joined', data: { room: 'outbox-a', user: 'ann' } },
      { type: 'room.created', data: { room: 'outbox-b', private: false, owner: 'bob' } },
      { type: 'member.joined', data: { room: 'outbox-b', user: 'bob' } },
      { type: 'member.left', data: { room: 'outbox-b', user: 'bob', reason: 'left' } },
    ]);
  });

  it('the public prefix listing and "rooms of a user" can use their indexes', async () => {
    const plan = async (sql: string) => {
      const db = await pool.connect();
      try {
        // Tiny test tables would be scanned anyway; this asks whether an index can serve the query.
        await db.query('BEGIN');
        await db.query('SET LOCAL enable_seqscan = off');
        await db.query('SET LOCAL enable_bitmapscan = off');
        const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await db.query('ROLLBACK');
        db.release();
      }
    };
    const listing = await plan(
      `SELECT name FROM rooms WHERE NOT private AND name LIKE 'ab%' ORDER BY name LIMIT 50`,
    );
    expect(listing).toMatch(/Index.*rooms_public_name_idx/);
    expect(listing).toMatch(/Index Cond: \(\(name >= 'ab'::text\) AND \(name < 'ac'::text\)\)/);
    expect(listing).not.toMatch(/Sort/);
    expect(await plan(`SELECT room FROM members WHERE "user" = 'alice'`)).toMatch(/members_user_idx/);
  });

  it('answers unavailable while the database is down, and works again after it returns', async () => {
    await store.join('outage-room', 'alice');
    await postgres.kill();
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.join('outage-room', 'bob')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.roster('outage-room')).rejects.toMatchObject({ code: 'unavailable' });
    await postgres.restart();
    await expect(store.ping()).resolves.toBeUndefined();
    expect((await store.roster('outage-room')).members).toEqual(['alice']);
  });
});

describe('PgRoomStore group commit of joins and leaves', () => {
  it('a batch into one room answers as if one after another: one version per change, limits, invitations', async () => {
    let batches: number[] = [];
    const grouped = new PgRoomStore(pool, { onBatch: (n) => batches.push(n) });
    await grouped.create('gc-private', 'owner', true);
    await grouped.invite('gc-private', 'owner', 'inv1');
    await grouped.invite('gc-private', 'owner', 'inv2');
    await grouped.join('gc-open', 'first');
    const limits = { maxRoomsPerUser: 1000, maxRoomMembers: 4 };
    batches = [];
    // Submitted in one turn: one batch. Private: two invited in, one refused, inv1 leaves and
    // cannot come back (its invitation is used). Open: fills to the member limit of 4.
    const results = await Promise.allSettled([
      grouped.join('gc-private', 'inv1', limits),
      grouped.join('gc-private', 'stranger', limits),
      grouped.join('gc-private', 'inv2', limits),
      grouped.leave('gc-private', 'inv1'),
      grouped.join('gc-private', 'inv1', limits),
      grouped.join('gc-open', 'a', limits),
      grouped.join('gc-open', 'a', limits),
      grouped.join('gc-open', 'b', limits),
      grouped.join('gc-open', 'c', limits),
      grouped.join('gc-open', 'd', limits),
      grouped.leave('gc-open', 'first'),
      grouped.leave('gc-open', 'nobody'),
      grouped.leave('gc-nowhere', 'a'),
    ]);
    expect(batches).toEqual([13]);
    const v = (i: number) =>
      results[i].status === 'fulfilled' ? results[i].value : results[i].reason.message;
    // gc-private was at ver 1 (the owner): inv1 2, inv2 3, inv1 leaves 4.
    expect(v(0)).toEqual({ joined: true, created: false, ver: 2, members: 2 });
    expect(v(1)).toMatch(/without an invitation/);
    expect(v(2)).toEqual({ joined: true, created: false, ver: 3, members: 3 });
    expect(v(3)).toEqual({ left: true, ver: 4, members: 2 });
    expect(v(4)).toMatch(/without an invitation/);
    // gc-open was at ver 1 (first): a 2, a again no change, b 3, c 4, d refused (4 members), first leaves 5.
    expect(v(5)).toEqual({ joined: true, created: false, ver: 2, members: 2 });
    expect(v(6)).toEqual({ joined: false, created: false, ver: 2 });
    expect(v(7)).toEqual({ joined: true, created: false, ver: 3, members: 3 });
    expect(v(8)).toEqual({ joined: true, created: false, ver: 4, members: 4 });
    expect(v(9)).toMatch(/members-per-room limit/);
    expect(v(10)).toEqual({ left: true, ver: 5, members: 3 });
    expect(v(11)).toEqual({ left: false, ver: 5 });
    expect(v(12)).toMatch(/does not exist/);
    expect(await grouped.roster('gc-private')).toEqual({
      exists: true,
      private: true,
      members: ['inv2', 'owner'],
      owner: 'owner',
      ver: 4,
    });
    expect(await grouped.roster('gc-open')).toEqual({
      exists: true,
      private: false,
      members: ['a', 'b', 'c'],
      // The creator (who joined first and left) stays its owner.
      owner: 'first',
      ver: 5,
    });
    const { rows } = await pool.query<{ member_count: number }>(
      `SELECT member_count FROM rooms WHERE name IN ('gc-private', 'gc-open') ORDER BY name`,
    );
    expect(rows.map((r) => r.member_count)).toEqual([3, 2]);
    // The used invitation is gone: a fresh one is needed.
    expect(await grouped.memberships([{ room: 'gc-private', user: 'inv1' }])).toEqual([
      { member: false, ver: 4 },
    ]);
  });
});
