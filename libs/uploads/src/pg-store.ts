import type pg from 'pg';
import {
  type NewUpload,
  QUOTA_WINDOW_MS,
  type StoredUpload,
  UploadConflictError,
  UploadQuotaError,
  type UploadStore,
  UploadStoreError,
} from './store.ts';

const UNIQUE_VIOLATION = '23505';

interface Row {
  id: string;
  type: string;
  size: number;
  owner: string;
  created_at: Date;
  bytes: Buffer;
}

const INSERT = 'INSERT INTO uploads (id, type, size, owner, bytes) VALUES ($1, $2, $3, $4, $5)';

/**
 * quotaWait (src/store.ts) in one query: $1 owner, $2 bytes, $3 quota, $4 the window in ms.
 * `run` is the bytes of the owner's uploads in the window up to each one, oldest first, so
 * the first row whose `run` covers the excess is the one whose leaving makes room.
 */
const QUOTA_WAIT = `
  WITH w AS (
    SELECT created_at, sum(size) OVER (ORDER BY created_at, id) AS run
    FROM uploads
    WHERE owner = $1 AND created_at > now() - $4::bigint * interval '1 millisecond'
  ), e AS (
    SELECT coalesce(max(run), 0) + $2::bigint - $3::bigint AS excess FROM w
  )
  SELECT CASE
    WHEN $2::bigint > $3::bigint THEN $4::bigint
    WHEN e.excess <= 0 THEN 0
    ELSE greatest(1, ceil(1000 * extract(epoch FROM
      (SELECT min(created_at) FROM w WHERE run >= e.excess)
      + $4::bigint * interval '1 millisecond' - now())))::bigint
  END AS wait
  FROM e`;

/** The per-owner lock that makes a quota check and its insert atomic across gateways. */
const LOCK_OWNER = "SELECT pg_advisory_xact_lock(hashtextextended('natter-upload-quota:' || $1, 0))";

/** UploadStore on Postgres: one `uploads` row per upload, bytes in a bytea (migrations/). */
export class PgUploadStore implements UploadStore {
  constructor(private readonly pool: pg.Pool) {}

  async put(upload: NewUpload, quota?: number): Promise<void> {
    const values = [upload.id, upload.type, upload.bytes.length, upload.owner, upload.bytes];
    if (quota === undefined) {
      await this.insert(upload.id, () => this.pool.query(INSERT, values));
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new UploadStoreError(`storing upload ${upload.id} failed`, { cause: err });
    }
    let broken: Error | undefined;
    try {
      await this.insert(upload.id, async () => {
        await client.query('BEGIN');
        try {
          await client.query(LOCK_OWNER, [upload.owner]);
          const wait = await quotaWaitOn(client, upload.owner, upload.bytes.length, quota);
          if (wait > 0) {
            throw new UploadQuotaError(`upload ${upload.id}: over ${upload.owner}'s quota`, wait);
          }
          await client.query(INSERT, values);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch((rollbackErr: Error) => {
            broken = rollbackErr; // the connection is unusable: do not return it to the pool
          });
          throw err;
        }
      });
    } finally {
      client.release(broken);
    }
  }

  async get(id: string): Promise<StoredUpload | undefined> {
    let rows: Row[];
    try {
      ({ rows } = await this.pool.query<Row>(
        'SELECT id, type, size, owner, created_at, bytes FROM uploads WHERE id = $1',
        [id],
      ));
    } catch (err) {
      throw new UploadStoreError(`reading upload ${id} failed`, { cause: err });
    }
    const r = rows[0];
    if (!r) return undefined;
    return { id: r.id, type: r.type, size: r.size, owner: r.owner, createdAt: r.created_at, bytes: r.bytes };
  }

  async quotaWait(owner: string, bytes: number, quota: number): Promise<number> {
    try {
      return await quotaWaitOn(this.pool, owner, bytes, quota);
    } catch (err) {
      throw new UploadStoreError(`reading ${owner}'s upload quota failed`, { cause: err });
    }
  }

  /** Runs an insert, mapping its errors to the UploadStore contract's. */
  private async insert(id: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (err instanceof UploadQuotaError) throw err;
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new UploadConflictError(`upload ${id} exists`, { cause: err });
      }
      throw new UploadStoreError(`storing upload ${id} failed`, { cause: err });
    }
  }
}

async function quotaWaitOn(
  db: pg.Pool | pg.PoolClient,
  owner: string,
  bytes: number,
  quota: number,
): Promise<number> {
  const { rows } = await db.query<{ wait: string }>(QUOTA_WAIT, [owner, bytes, quota, QUOTA_WINDOW_MS]);
  return Number(rows[0]!.wait);
}
