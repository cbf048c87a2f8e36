import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPool, migrate } from '@natter/db';
import { createLogger } from '@natter/log';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrateMessages } from '../src/migrations.ts';
import { APPEND_ONE_STATEMENT, APPEND_STATEMENT, appendOne } from '../src/pg-append.ts';
import { PgMessageStore } from '../src/pg-store.ts';
import { lifecycleContract } from './lifecycle-contract.ts';
import { receiptsContract } from './receipts-contract.ts';
import { storeContract } from './store-contract.ts';
import { threadContract } from './thread-contract.ts';

const log = createLogger({ name: 'history-pg-test', level: 'silent' });

let postgres: PostgresHandle;
let pool: pg.Pool;
let store: PgMessageStore;
const batches: number[] = [];
const receivedBatches: number[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  await migrateMessages(databaseUrl, log);
  // Migrating twice is a no-op.
  await migrateMessages(databaseUrl, log);
  pool = createPool(databaseUrl, { max: 10 });
  store = new PgMessageStore(pool, {
    onBatch: (n) => batches.push(n),
    onReceivedBatch: (n) => receivedBatches.push(n),
  });
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

storeContract('postgres', () => store);
lifecycleContract('postgres', () => store);
receiptsContract('postgres', () => store);
threadContract('postgres', () => store);

describe('PgMessageStore group commit', () => {
  it('commits concurrent appends in shared transactions of at most 200', async () => {
    batches.length = 0;
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        store.append({ conv: 'room:batched', from: 'u', cid: `b${i}`, text: 'x' }),
      ),
    );
    expect(batches.reduce((a, b) => a + b, 0)).toBe(600);
    expect(Math.max(...batches)).toBeLessThanOrEqual(200);
    expect(batches.length).toBeLessThan(600 / 10);
  });

  it('fails only the bad message of a batch', async () => {
    const sends = Array.from({ length: 20 }, (_, i) => ({
      conv: 'room:mixed',
      from: 'u2',
      cid: `m${i}`,
      // Postgres text cannot hold U+0000: this one makes the batch statement fail.
      text: i === 7 ? 'bad\u0000' : `ok ${i}`,
    }));
    const results = await Promise.allSettled(sends.map((s) => store.append(s)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[7].status).toBe('rejected');
    const page = await store.query('room:mixed', { after: 0, limit: 50 });
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(page.messages.map((m) => m.cid)).toEqual(sends.filter((_, i) => i !== 7).map((s) => s.cid));
    // The outbox: the failed batch statement and the failed message logged nothing.
    const logged = await createdEvents('room:mixed');
    expect(logged.map((d) => d.seq)).toEqual(page.messages.map((m) => m.seq));
    expect(logged.map((d) => d.mid)).toEqual(page.messages.map((m) => m.mid));
  });

  it('stays gap-free with two stores (two instances) on one database, retries included', async () => {
    const other = new PgMessageStore(pool, { maxBatch: 50 });
    const conv = 'dm:x:y';
    const sends = Array.from({ length: 400 }, (_, i) => ({
      conv,
      from: i % 3 ? 'x' : 'y',
      cid: `t${i % 300}`,
      text: 'x',
    }));
    // A retry (i >= 300) goes to the other instance than its first attempt, at the same time.
    const results = await Promise.all(
      sends.map((s, i) => ((i % 300) % 2 === (i < 300 ? 0 : 1) ? store : other).append(s)),
    );
    expect(await store.latestSeq(conv)).toBe(300);
    const seqByKey = new Map<string, number>();
    for (const [i, r] of results.entries()) {
      const key = `${sends[i].from}/${sends[i].cid}`;
      const seen = seqByKey.get(key);
      if (seen === undefined) seqByKey.set(key, r.stored.seq);
      else expect(r.stored.seq).toBe(seen);
    }
    expect([...seqByKey.values()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE conv = $1', [
      conv,
    ]);
    expect(Number(rows[0].n)).toBe(300);
    // Every stored message has exactly one message.created, whichever instance or path
    // (batch, one by one, duplicate) stored it; a duplicate logs nothing more.
    const logged = await createdEvents(conv);
    expect(logged.map((d) => d.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("logs message.created with the message as history has it, in the append's transaction", async () => {
    const conv = 'room:outbox';
    const { stored } = await store.append({ conv, from: 'ann', cid: 'o1', text: 'hello', mentions: ['bob'] });
    const [data] = await createdEvents(conv);
    const { cid: _cid, ...view } = stored;
    expect(data).toEqual(view);
    // Also from the one-by-one path (the batch's fallback).
    const one = await appendOne(pool, { conv, from: 'ann', cid: 'o2', text: 'again' });
    expect((await createdEvents(conv)).map((d) => d.mid)).toEqual([stored.mid, one.stored.mid]);
    expect((await appendOne(pool, { conv, from: 'ann', cid: 'o2', text: 'again' })).duplicate).toBe(true);
    expect(await createdEvents(conv)).toHaveLength(2);
  });
});

describe('PgMessageStore delivery markers', () => {
  it('writes the markers of many users in shared statements, one read of nothing per marker', async () => {
    const conv = 'room:receipts-batched';
    for (let i = 0; i < 3; i++) await store.append({ conv, from: 'poster', cid: `rb${i}`, text: 'x' });
    receivedBatches.length = 0;
    const users = Array.from({ length: 600 }, (_, i) => `reader${i}`);
    const moved = await Promise.all(users.map((u) => store.markReceived(u, conv, 2)));
    expect(moved.every((m) => m === 2)).toBe(true);
    expect(receivedBatches.reduce((a, b) => a + b, 0)).toBe(600);
    expect(Math.max(...receivedBatches)).toBeLessThanOrEqual(500);
    expect(receivedBatches.length).toBeLessThan(10);
    expect(await store.receipts(conv, 2, users, 200)).toMatchObject({ read: [] });
    expect((await store.receipts(conv, 2, users, 1000)).received).toHaveLength(600);
  });

  it("coalesces one user's repeats within a batch: only the highest answers, once", async () => {
    const conv = 'dm:coal:esce';
    for (let i = 0; i < 5; i++) await store.append({ conv, from: 'esce', cid: `co${i}`, text: 'x' });
    const moved = await Promise.all([3, 5, 4, 1, 5].map((seq) => store.markReceived('coal', conv, seq)));
    expect(moved).toEqual([undefined, 5, undefined, undefined, undefined]);
    expect(await store.markReceived('coal', conv, 5)).toBeUndefined();
  });
});

describe('history migrations', () => {
  // 003 is the message lifecycle's (written in parallel); 004 must apply with it and without.
  async function migrationsWith(extra: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'natter-history-migrations-'));
    for (const f of await readdir(MIGRATIONS_DIR)) {
      if (f.endsWith('.sql')) await copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    }
    for (const [name, sql] of Object.entries(extra)) await writeFile(path.join(dir, name), sql);
    return dir;
  }

  it('applies every migration, 004_receipts included, in order on a fresh database', async () => {
    const cases: Record<string, string>[] = [{}];
    for (const extra of cases) {
      const dir = await migrationsWith(extra);
      try {
        const databaseUrl = await postgres.createDatabase();
        await migrate({ databaseUrl, dir, table: MIGRATIONS_TABLE, log });
        const p = createPool(databaseUrl, { max: 1 });
        try {
          const { rows } = await p.query<{ name: string }>(
            `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`,
          );
          expect(rows.map((r) => r.name)).toEqual(
            (await readdir(dir))
              .filter((f) => f.endsWith('.sql'))
              .sort()
              .map((f) => f.replace(/\.sql$/, '')),
          );
          await p.query(`SELECT received FROM read_markers LIMIT 1`);
        } finally {
          await p.end();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('applies 004_receipts on a database already at the migration before it', async () => {
    const databaseUrl = await postgres.createDatabase();
    const dir = await migrationsWith({});
    try {
      // The migrations after 004 as well: a database at 003 knows none of them.
      for (const f of await readdir(dir)) if (f.endsWith('.sql') && f > '004') await rm(path.join(dir, f));
      await migrate({ databaseUrl, dir, table: MIGRATIONS_TABLE, log });
      await migrate({ databaseUrl, dir: MIGRATIONS_DIR, table: MIGRATIONS_TABLE, log });
      const p = createPool(databaseUrl, { max: 1 });
      try {
        await p.query(`SELECT received FROM read_markers LIMIT 1`);
      } finally {
        await p.end();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The data of the conversation's message.created events, in log order. */
async function createdEvents(conv: string): Promise<Record<string, unknown>[]> {
  const { rows } = await pool.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM natter_events WHERE type = 'message.created' AND data->>'conv' = $1 ORDER BY xid, id`,
    [conv],
  );
  return rows.map((r) => r.data);
}

describe('PgMessageStore append plan', () => {
  it('finds a repeated cid by its index, whatever the table held when the plan was cached', async () => {
    // A fresh, never analyzed database and one connection, as a history instance starts.
    const databaseUrl = await postgres.createDatabase();
    await migrateMessages(databaseUrl, log);
    const one = createPool(databaseUrl, { max: 1 });
    try {
      const fresh = new PgMessageStore(one);
      // Past the five custom plans of both statements: the connection now runs their cached
      // generic plans (one append alone takes the one-message statement, two in one turn
      // the batch statement).
      for (let i = 0; i < 8; i++) {
        await fresh.append({ conv: 'dm:p:q', from: 'p', cid: `w${i}`, text: 'x' });
        await Promise.all(
          ['a', 'b'].map((k) => fresh.append({ conv: 'dm:p:q', from: 'p', cid: `v${i}${k}`, text: 'x' })),
        );
      }
      await one.query(
        `INSERT INTO messages (conv, seq, mid, sender, cid, ts, text, ver, created_ver)
         SELECT 'room:big', n, 'm_big' || n, 'u' || (n % 100), 'c' || n, now(), 'x', n, n
         FROM generate_series(1, 20000) AS n`,
      );
      for (const statement of [APPEND_STATEMENT, APPEND_ONE_STATEMENT]) {
        const { rows } = await one.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS) EXECUTE "${statement}"(ARRAY['dm:p:q'], ARRAY['p'], ARRAY['w0'],
             ARRAY['x'], ARRAY[NULL]::jsonb[], ARRAY['m_probe'], now(), ARRAY[NULL]::jsonb[], ARRAY[NULL]::jsonb[])`,
        );
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan, statement).toContain('Index Scan using messages_sender_cid_key');
        expect(plan, statement).not.toMatch(/Seq Scan on messages/);
      }
    } finally {
      await one.end();
    }
  });
});

describe('PgMessageStore.queryJson', () => {
  it("is query's page as JSON text, for every conversation the tests above left (edited, reacted, threaded, deleted, pinned)", async () => {
    // Empty lists as a removed last reaction leaves them: rowToView leaves them out, so must the text.
    await store.append({ conv: 'room:json-empty', from: 'u', cid: 'j1', text: 'x' });
    await pool.query(
      `UPDATE messages SET reactions = '[]', mentions = '[]', attachments = '[]', reply = 'null' WHERE conv = 'room:json-empty'`,
    );
    const { rows } = await pool.query<{ conv: string; n: string }>(
      'SELECT conv, count(*) AS n FROM messages GROUP BY conv',
    );
    expect(rows.length).toBeGreaterThan(10);
    let decorated = 0;
    for (const { conv, n } of rows) {
      const mid = Math.ceil(Number(n) / 2);
      for (const opts of [{ limit: 200 }, { limit: 3, before: mid + 1 }, { limit: 2, after: mid - 1 }]) {
        const page = await store.query(conv, opts);
        const text = await store.queryJson(conv, opts);
        expect(JSON.parse(text.json.text)).toEqual(page);
        expect(text.count).toBe(page.messages.length);
        decorated += page.messages.filter((m) => m.reactions || m.thread || m.reply).length;
      }
    }
    // The comparison covered the columns the text is spliced from.
    expect(decorated).toBeGreaterThan(0);
  });
});
