import { type ConvSummary, isUploadPath, MAX_PINS, type MessageView } from '@natter/protocol';
import type pg from 'pg';
import { GroupCommit } from './group-commit.ts';
import { appendBatch } from './pg-append.ts';
import { changeMessage, changesOf } from './pg-changes.ts';
import { MESSAGE_COLUMNS, type MessageRow, rowToView } from './pg-rows.ts';
import type {
  AppendInput,
  AppendResult,
  ChangeInput,
  ChangeResult,
  ChangesOptions,
  ChangesResult,
  MessageStore,
  QueryOptions,
  QueryResult,
} from './store.ts';
import { listed } from './threads.ts';
import { deleteUnreferenced } from './upload-sweep.ts';

export interface PgMessageStoreOptions {
  /** Most appends committed in one transaction. */
  maxBatch?: number;
  /** Called after each batch with its size (metrics, tests). */
  onBatch?: (size: number) => void;
}

/**
 * MessageStore on Postgres (tables in migrations/). Appends are group-committed: while one
 * transaction is in flight, new appends queue and go into the next one together. The pool
 * belongs to the caller, who closes it.
 */
export class PgMessageStore implements MessageStore {
  private readonly commits: GroupCommit<AppendInput, AppendResult>;

  constructor(
    private readonly pool: pg.Pool,
    opts: PgMessageStoreOptions = {},
  ) {
    this.commits = new GroupCommit(async (items) => {
      const results = await appendBatch(pool, items);
      opts.onBatch?.(items.length);
      return results;
    }, opts.maxBatch ?? 200);
  }

  append(msg: AppendInput): Promise<AppendResult> {
    return this.commits.submit(msg);
  }

  async message(conv: string, seq: number): Promise<MessageView | undefined> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = $1 AND seq = $2`,
      [conv, seq],
    );
    return rows[0] && rowToView(rows[0]);
  }

  async change(input: ChangeInput): Promise<ChangeResult> {
    const result = await changeMessage(this.pool, input);
    const uploads = (result.attachments ?? []).filter((a) => isUploadPath(a.url));
    if (uploads.length) {
      // After the commit: should this fail, the orphan sweep deletes them later.
      await deleteUnreferenced(
        this.pool,
        uploads.map((a) => a.url.slice('/v1/uploads/'.length)),
      ).catch(() => 0);
    }
    return result;
  }

  changes(conv: string, opts: ChangesOptions): Promise<ChangesResult> {
    return changesOf(this.pool, conv, opts);
  }

  async pins(conv: string): Promise<MessageView[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = $1 AND pinned_at IS NOT NULL
       ORDER BY pinned_at DESC, seq DESC LIMIT $2`,
      [conv, MAX_PINS],
    );
    return rows.map(rowToView);
  }

  async query(conv: string, opts: QueryOptions): Promise<QueryResult> {
    const before = opts.before ?? null;
    if (opts.after !== undefined) {
      const { rows } = await this.pool.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE conv = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq < $3)
         ORDER BY seq LIMIT $4`,
        [conv, opts.after, before, opts.limit + 1],
      );
      return { messages: rows.slice(0, opts.limit).map(rowToView), more: rows.length > opts.limit };
    }
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
       WHERE conv = $1 AND ($2::bigint IS NULL OR seq < $2)
       ORDER BY seq DESC LIMIT $3`,
      [conv, before, opts.limit + 1],
    );
    return { messages: rows.slice(0, opts.limit).reverse().map(rowToView), more: rows.length > opts.limit };
  }

  async convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]> {
    const { rows } = await this.pool.query<{ conv: string; seq: string; ver: string; read: string }>(
      `WITH c AS (
         SELECT 'room:' || r AS conv FROM unnest($2::text[]) AS r
         UNION
         SELECT conv FROM conv_members WHERE user_id = $1 AND $3
       )
       SELECT c.conv, coalesce(k.last_seq, 0) AS seq, coalesce(k.last_ver, 0) AS ver,
              coalesce(m.seq, 0) AS read
       FROM c
       LEFT JOIN conversations k ON k.conv = c.conv
       LEFT JOIN read_markers m ON m.user_id = $1 AND m.conv = c.conv
       ORDER BY c.conv COLLATE "C"`,
      [user, rooms, dms],
    );
    return rows
      .filter((r) => listed(r.conv, rooms))
      .map((r) => ({ conv: r.conv, seq: Number(r.seq), ver: Number(r.ver), read: Number(r.read) }));
  }

  async positions(users: string[], rooms: string[]): Promise<{ conv: string; seq: number; ver: number }[]> {
    const { rows } = await this.pool.query<{ conv: string; seq: string; ver: string }>(
      `SELECT k.conv, k.last_seq AS seq, k.last_ver AS ver
         FROM (SELECT 'room:' || r AS conv FROM unnest($2::text[]) AS r
               UNION
               SELECT conv FROM conv_members WHERE user_id = ANY($1::text[])) c
         JOIN conversations k ON k.conv = c.conv`,
      [users, rooms],
    );
    return rows.map((r) => ({ conv: r.conv, seq: Number(r.seq), ver: Number(r.ver) }));
  }

  async markRead(user: string, conv: string, seq: number): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>(
      `INSERT INTO read_markers (user_id, conv, seq)
       SELECT $1, $2, LEAST($3::bigint, coalesce((SELECT last_seq FROM conversations WHERE conv = $2), 0))
       ON CONFLICT (user_id, conv) DO UPDATE SET seq = GREATEST(read_markers.seq, EXCLUDED.seq)
       RETURNING seq`,
      [user, conv, seq],
    );
    return Number(rows[0].seq);
  }

  async latestSeq(conv: string): Promise<number> {
    const { rows } = await this.pool.query<{ last_seq: string }>(
      'SELECT last_seq FROM conversations WHERE conv = $1',
      [conv],
    );
    return rows[0] ? Number(rows[0].last_seq) : 0;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
