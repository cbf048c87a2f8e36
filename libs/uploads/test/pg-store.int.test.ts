import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateUploads, UPLOADS_MIGRATIONS_TABLE } from '../src/migrations.ts';
import { PgUploadStore } from '../src/pg-store.ts';
import { newUploadId, QUOTA_WINDOW_MS, UploadStoreError } from '../src/store.ts';
import { PNG_1X1 } from './samples.ts';
import { uploadStoreContract } from './store-contract.ts';

const log = createLogger({ name: 'uploads-pg-test', level: 'silent' });

let postgres: PostgresHandle;
let pool: pg.Pool;
let store: PgUploadStore;

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  await migrateUploads(databaseUrl, log);
  pool = createPool(databaseUrl, { max: 10, log });
  store = new PgUploadStore(pool);
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

uploadStoreContract('postgres', () => store);

describe('PgUploadStore on Postgres', () => {
  it('migrations are idempotent and recorded in natter_uploads_migrations', async () => {
    const databaseUrl = await postgres.createDatabase();
    await Promise.all([migrateUploads(databaseUrl, log), migrateUploads(databaseUrl, log)]);
    await migrateUploads(databaseUrl, log);
    const p = createPool(databaseUrl, { log });
    try {
      const { rows } = await p.query<{ name: string }>(`SELECT name FROM ${UPLOADS_MIGRATIONS_TABLE}`);
      expect(rows.map((r) => r.name)).toEqual(['001_uploads', '002_upload_limits']);
    } finally {
      await p.end();
    }
  });

  it('stores a 10 MiB upload whole', async () => {
    const bytes = Buffer.alloc(10 * 1024 * 1024, 7);
    PNG_1X1.copy(bytes);
    const id = newUploadId();
    await store.put({ id, type: 'image/png', owner: 'alice', bytes });
    const got = await store.get(id);
    expect(got?.size).toBe(bytes.length);
    expect(Buffer.compare(got!.bytes, bytes)).toBe(0);
  });

  it('quotaWait counts the last 24 hours and waits for the oldest uploads to leave them', async () => {
    const owner = `aged-${newUploadId()}`;
    const HOUR = 3_600_000;
    // Sizes 40, 30, 30 made 2, 23 and 10 hours ago, and 100 made 25 hours ago (not counted).
    for (const [hoursAgo, size] of [
      [2, 40],
      [23, 30],
      [10, 30],
      [25, 100],
    ] as const) {
      const id = newUploadId();
      await store.put({ id, type: 'image/png', owner, bytes: Buffer.alloc(size) });
      await pool.query("UPDATE uploads SET created_at = now() - $2 * interval '1 hour' WHERE id = $1", [
        id,
        hoursAgo,
      ]);
    }
    expect(await store.quotaWait(owner, 0, 100)).toBe(0);
    // The same cases as test/quota.test.ts, within the few ms the queries take.
    expect(Math.abs((await store.quotaWait(owner, 20, 100)) - HOUR)).toBeLessThan(5000);
    expect(Math.abs((await store.quotaWait(owner, 50, 100)) - 14 * HOUR)).toBeLessThan(5000);
    expect(await store.quotaWait(owner, 101, 100)).toBe(QUOTA_WINDOW_MS);
  });

  it('a database that is down rejects with UploadStoreError (the routes answer unavailable)', async () => {
    const dead = createPool('postgres://nobody@127.0.0.1:1/none', { log });
    try {
      await expect(new PgUploadStore(dead).get(newUploadId())).rejects.toBeInstanceOf(UploadStoreError);
    } finally {
      await dead.end();
    }
  });
});
