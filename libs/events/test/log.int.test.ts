import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateEvents } from '../src/migrations.ts';
import { parseCursor, pruneEvents, readEvents } from '../src/read.ts';
import { logEvents } from '../src/write.ts';

const log = createLogger({ name: 'events-test', level: 'silent' });

let postgres: PostgresHandle;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  // Two writers migrating at once (history and rooms do at start): one applies.
  await Promise.all([migrateEvents(databaseUrl, log), migrateEvents(databaseUrl, log)]);
  pool = createPool(databaseUrl, { max: 5, log });
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

const joined = (user: string) => ({ type: 'member.joined' as const, data: { room: 'r', user } });

async function inTx(fn: (c: pg.PoolClient) => Promise<void>, commit = true): Promise<pg.PoolClient> {
  const c = await pool.connect();
  await c.query('BEGIN');
  await fn(c);
  if (commit) {
    await c.query('COMMIT');
    c.release();
  }
  return c;
}

async function readAll(after?: string, limit = 1000) {
  const out = [];
  let cursor = after;
  for (;;) {
    const page = await readEvents(pool, cursor, limit);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = page.at(-1)!.cursor;
  }
}

describe('the event log', () => {
  it('pages oldest first, in the order written, ids and cursors distinct', async () => {
    await pool.query('TRUNCATE natter_events');
    await inTx((c) => logEvents(c, [joined('a'), joined('b')]));
    await inTx((c) => logEvents(c, [joined('c')]));
    const all = await readAll(undefined, 2);
    expect(all.map((e) => e.type === 'member.joined' && e.data.user)).toEqual(['a', 'b', 'c']);
    expect(new Set(all.map((e) => e.id)).size).toBe(3);
    expect(all[0]!.id).toMatch(/^evt_\d+$/);
    expect(Date.parse(all[0]!.ts)).toBeGreaterThan(Date.now() - 60_000);
    expect(await readEvents(pool, all.at(-1)!.cursor, 10)).toEqual([]);
  });

  it('orders a page by number across a digit count (ids 9 to 10, 99 to 100), not as text', async () => {
    await pool.query('TRUNCATE natter_events');
    const users = Array.from({ length: 150 }, (_, i) => `u${i + 1}`);
    await inTx((c) => logEvents(c, users.map(joined)));
    const page = await readEvents(pool, undefined, 200);
    expect(page.map((e) => e.type === 'member.joined' && e.data.user)).toEqual(users);
    // Paging in pages that end on either side of a digit count loses and repeats nothing.
    const paged = await readAll(undefined, 45);
    expect(paged.map((e) => e.type === 'member.joined' && e.data.user)).toEqual(users);
  });

  it('a rolled-back transaction logs nothing', async () => {
    await pool.query('TRUNCATE natter_events');
    const c = await inTx((c) => logEvents(c, [joined('ghost')]), false);
    await c.query('ROLLBACK');
    c.release();
    expect(await readAll()).toEqual([]);
  });

  it('never skips an event that commits after a later one with a lower id', async () => {
    await pool.query('TRUNCATE natter_events');
    // `slow` writes first (lower id, lower xid) and commits last.
    const slow = await inTx((c) => logEvents(c, [joined('slow')]), false);
    await inTx((c) => logEvents(c, [joined('fast')]));
    // A reader now must not get `fast` yet: handing it out would move the reader's cursor
    // past `slow`, which then commits behind it.
    const first = await readEvents(pool, undefined, 10);
    expect(first).toEqual([]);
    await slow.query('COMMIT');
    slow.release();
    const all = await readAll();
    expect(all.map((e) => e.type === 'member.joined' && e.data.user)).toEqual(['slow', 'fast']);
    const slowId = Number(all[0]!.id.slice(4));
    const fastId = Number(all[1]!.id.slice(4));
    expect(slowId).toBeLessThan(fastId);
  });

  it('a reader paging meanwhile gets each event exactly once under concurrent writers', async () => {
    await pool.query('TRUNCATE natter_events');
    const seen: string[] = [];
    let cursor: string | undefined;
    let writing = true;
    const reader = (async () => {
      while (writing || seen.length < 200) {
        const page = await readEvents(pool, cursor, 7);
        for (const e of page) if (e.type === 'member.joined') seen.push(e.data.user);
        if (page.length) cursor = page.at(-1)!.cursor;
        else await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 50; i++) {
            const c = await inTx((c) => logEvents(c, [joined(`w${w}-${i}`)]), false);
            // Hold some transactions open a little, so commits overtake each other.
            if (i % 3 === 0) await new Promise((r) => setTimeout(r, 3));
            await c.query('COMMIT');
            c.release();
          }
        })(),
      ),
    );
    writing = false;
    await reader;
    expect(seen.length).toBe(200);
    expect(new Set(seen).size).toBe(200);
  });

  it('refuses a cursor that is not one of its own, naming after', () => {
    expect(() => parseCursor('evt_1')).toThrow(/after/);
    expect(() => parseCursor('1-2; DROP TABLE x')).toThrow(/after/);
    expect(parseCursor('12-34')).toEqual({ xid: '12', id: '34' });
  });

  it('prunes events older than the retention in bounded batches', async () => {
    await pool.query('TRUNCATE natter_events');
    await inTx((c) =>
      logEvents(
        c,
        Array.from({ length: 25 }, (_, i) => joined(`old${i}`)),
      ),
    );
    await pool.query(`UPDATE natter_events SET ts = now() - interval '73 hours'`);
    await inTx((c) => logEvents(c, [joined('new')]));
    expect(await pruneEvents(pool, 72, 10)).toBe(25);
    const left = await readAll();
    expect(left.map((e) => e.type === 'member.joined' && e.data.user)).toEqual(['new']);
  });
});
