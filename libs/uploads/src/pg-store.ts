import type pg from 'pg';
import {
  type NewUpload,
  type StoredUpload,
  UploadConflictError,
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

/** UploadStore on Postgres: one `uploads` row per upload, bytes in a bytea (migrations/001_uploads.sql). */
export class PgUploadStore implements UploadStore {
  constructor(private readonly pool: pg.Pool) {}

  async put(upload: NewUpload): Promise<void> {
    try {
      await this.pool.query(
        'INSERT INTO uploads (id, type, size, owner, bytes) VALUES ($1, $2, $3, $4, $5)',
        [upload.id, upload.type, upload.bytes.length, upload.owner, upload.bytes],
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new UploadConflictError(`upload ${upload.id} exists`, { cause: err });
      }
      throw new UploadStoreError(`storing upload ${upload.id} failed`, { cause: err });
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
}
