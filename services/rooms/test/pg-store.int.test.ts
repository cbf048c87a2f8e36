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
      expect(rows.map((r) => r.name)).toEqual(['001_rooms', '002_membership_versions']);
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
