import { MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { migrateMessages, PgMessageStore, UploadSweep } from '@natter/messages';
import { type PostgresHandle, startPostgres, waitFor } from '@natter/testkit';
import { migrateUploads, newUploadId } from '@natter/uploads';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.ts';

const log = createLogger({ name: 'upload-sweep-test', level: 'silent' });
const HOUR = 3_600_000;
const ORPHAN_MS = 24 * HOUR;

let postgres: PostgresHandle;
let databaseUrl: string;
let pool: pg.Pool;
let store: PgMessageStore;

beforeAll(async () => {
  postgres = await startPostgres();
  databaseUrl = await postgres.createDatabase();
  // As in a deployment: history's tables and the gateways' uploads table in one database.
  await migrateMessages(databaseUrl, log);
  await migrateUploads(databaseUrl, log);
  pool = createPool(databaseUrl, { max: 10, log });
  store = new PgMessageStore(pool);
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

/** An upload row made `hoursAgo` hours ago; returns its id. */
async function addUpload(hoursAgo: number): Promise<string> {
  const id = newUploadId();
  await pool.query(
    `INSERT INTO uploads (id, type, size, owner, bytes, created_at)
     VALUES ($1, 'image/png', 1, 'alice', '\\x89'::bytea, now() - $2 * interval '1 hour')`,
    [id, hoursAgo],
  );
  return id;
}

/** A message attaching the uploads, after an attachment that is not one of ours. */
async function attach(...ids: string[]): Promise<void> {
  await store.append({
    conv: 'room:sweep',
    from: 'alice',
    cid: newUploadId(),
    attachments: [
      { url: 'https://example.com/cat.png', type: 'image/png', name: 'cat.png', size: 1 },
      ...ids.map((id) => ({ url: `/v1/uploads/${id}`, type: 'image/png', name: 'x.png', size: 1 })),
    ],
  });
}

async function present(ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM uploads WHERE id = ANY($1)', [ids]);
  return ids.filter((id) => rows.some((r) => r.id === id));
}

const sweeper = (batch?: number) =>
  new UploadSweep(pool, { orphanMs: ORPHAN_MS, intervalMs: HOUR, log, batch });

describe('the orphan upload sweep', () => {
  it('deletes an orphan older than the cutoff and keeps referenced and recent uploads', async () => {
    const orphan = await addUpload(25);
    const referenced = await addUpload(48);
    const recent = await addUpload(1);
    await attach(referenced);
    // A message that only mentions the URL in its text does not keep an upload.
    await store.append({
      conv: 'room:sweep',
      from: 'bob',
      cid: newUploadId(),
      text: `/v1/uploads/${orphan}`,
    });
    expect(await sweeper().sweep()).toBe(1);
    expect(await present([orphan, referenced, recent])).toEqual([referenced, recent]);
  });

  it('several instances at once delete every orphan once, in bounded batches, and no referenced one', async () => {
    const orphans = await Promise.all(Array.from({ length: 250 }, () => addUpload(30)));
    const referenced = await Promise.all(Array.from({ length: 5 }, () => addUpload(30)));
    await attach(...referenced);
    const counts = await Promise.all([sweeper(20).sweep(), sweeper(20).sweep(), sweeper(20).sweep()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(250);
    expect(await present(orphans)).toEqual([]);
    expect(await present(referenced)).toEqual(referenced);
  });

  it('runs in history every NATTER_UPLOAD_SWEEP_INTERVAL_MS, and stops with it', async () => {
    const config = loadConfig({ NATTER_UPLOAD_SWEEP_INTERVAL_MS: '100' });
    const svc = await start(config, { bus: new MemoryBus(), log, store, pool });
    try {
      const orphan = await addUpload(config.uploadOrphanHours + 1);
      const kept = await addUpload(config.uploadOrphanHours - 1);
      await waitFor(async () => (await present([orphan])).length === 0, { timeoutMs: 5000 });
      expect(await present([kept])).toEqual([kept]);
    } finally {
      await svc.stop();
    }
  });

  it('does nothing in a database without the uploads table', async () => {
    const bare = await postgres.createDatabase();
    await migrateMessages(bare, log);
    const p = createPool(bare, { log });
    try {
      const sweep = new UploadSweep(p, { orphanMs: ORPHAN_MS, intervalMs: HOUR, log });
      expect(await sweep.sweep()).toBe(0);
    } finally {
      await p.end();
    }
  });
});
