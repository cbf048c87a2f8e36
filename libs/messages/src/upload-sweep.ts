import type { Logger } from '@natter/log';
import type pg from 'pg';

/** Most uploads one sweep statement deletes: it bounds the statement's locks, WAL and time. */
export const SWEEP_BATCH = 100;

const UNDEFINED_TABLE = '42P01';

/**
 * One batch of orphans, oldest first: uploads older than $1 ms that no stored message
 * attaches. A message references an upload by the attachment `url` that `POST /v1/uploads`
 * returned (`/v1/uploads/<id>`); the containment test uses messages_attachments (GIN).
 * Several instances may run it at once: SKIP LOCKED gives each its own rows, so none waits
 * on another and no row is deleted twice.
 */
const SWEEP = `
  DELETE FROM uploads WHERE id IN (
    SELECT u.id FROM uploads u
    WHERE u.created_at < now() - $1::bigint * interval '1 millisecond'
      AND NOT EXISTS (
        SELECT 1 FROM messages m
        WHERE m.attachments @> jsonb_build_array(jsonb_build_object('url', '/v1/uploads/' || u.id))
      )
    ORDER BY u.created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )`;

/**
 * Deletes the given uploads (by id) that no stored message attaches any more: a message
 * delete frees its uploads at once instead of at the next sweep. Without the uploads table
 * (gateways' migrations elsewhere) there is nothing to delete. Resolves with the count.
 */
export async function deleteUnreferenced(pool: pg.Pool, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  try {
    const r = await pool.query(
      `DELETE FROM uploads u WHERE u.id = ANY($1::text[])
         AND NOT EXISTS (
           SELECT 1 FROM messages m
           WHERE m.attachments @> jsonb_build_array(jsonb_build_object('url', '/v1/uploads/' || u.id))
         )`,
      [ids],
    );
    return r.rowCount ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return 0;
    throw err;
  }
}

export interface UploadSweepOptions {
  /** An upload no message references is deleted once it is this old (NATTER_UPLOAD_ORPHAN_HOURS). */
  orphanMs: number;
  /** Time between sweeps (NATTER_UPLOAD_SWEEP_INTERVAL_MS). */
  intervalMs: number;
  log: Logger;
  batch?: number;
}

/**
 * Deletes orphan uploads, which history sweeps because the messages table decides what is
 * an orphan. Needs `uploads` (the gateways' migrations) in the same database as `messages`;
 * without it there is nothing to sweep and each run is a no-op.
 */
export class UploadSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly batch: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: UploadSweepOptions,
  ) {
    this.batch = opts.batch ?? SWEEP_BATCH;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return; // the last sweep is still going
      this.running = this.sweep()
        .catch((err) => this.opts.log.warn({ err }, 'orphan upload sweep failed; retrying next interval'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** Deletes orphans batch by batch until a batch comes back short; resolves with the count. */
  async sweep(): Promise<number> {
    let deleted = 0;
    while (!this.stopped) {
      let n: number;
      try {
        n = (await this.pool.query(SWEEP, [this.opts.orphanMs, this.batch])).rowCount ?? 0;
      } catch (err) {
        if ((err as { code?: string }).code === UNDEFINED_TABLE) break;
        throw err;
      }
      deleted += n;
      if (n < this.batch) break;
    }
    if (deleted > 0) this.opts.log.info({ deleted }, 'deleted orphan uploads');
    return deleted;
  }

  /** Stops the timer and waits for a sweep in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
