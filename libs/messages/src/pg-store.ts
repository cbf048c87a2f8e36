import { RawJson } from '@natter/contracts';
import {
  type ConvSummary,
  isUploadPath,
  MAX_PINS,
  type MessageView,
  type ReceiptsResult,
} from '@natter/protocol';
import { GroupCommit } from '@natter/service';
import type pg from 'pg';
import { appendBatch } from './pg-append.ts';
import { changeMessage, changesOf } from './pg-changes.ts';
import { ReceivedWriter } from './pg-received.ts';
import {
  MESSAGE_COLUMNS,
  MESSAGE_COLUMNS_AS_TEXT,
  type MessageRow,
  type MessageTextRow,
  rowToJson,
  rowToView,
} from './pg-rows.ts';
import type {
  AppendInput,
  AppendResult,
  ChangeInput,
  ChangeResult,
  ChangesOptions,
  ChangesResult,
  ConvsQuery,
  MessageStore,
  QueryOptions,
  QueryResult,
} from './store.ts';
import { listed } from './threads.ts';
import { deleteUnreferenced } from './upload-sweep.ts';

const PAGE_HEAD = Buffer.from('{"messages":[');
const COMMA = Buffer.from(',');
const PAGE_TAIL = Buffer.from('],"more":false}');
const PAGE_TAIL_MORE = Buffer.from('],"more":true}');

export interface PgMessageStoreOptions {
  /** Most appends committed in one transaction. */
  maxBatch?: number;
  /** Called after each batch with its size (metrics, tests). */
  onBatch?: (size: number) => void;
  /** Called after each batch of delivery markers with its size (before coalescing). */
  onReceivedBatch?: (size: number) => void;
}

/**
 * MessageStore on Postgres (tables in migrations/). Appends are group-committed: while one
 * transaction is in flight, new appends queue and go into the next one together. The pool
 * belongs to the caller, who closes it.
 */
export class PgMessageStore implements MessageStore {
  private readonly commits: GroupCommit<AppendInput, AppendResult>;
  private readonly received: ReceivedWriter;

  constructor(
    private readonly pool: pg.Pool,
    opts: PgMessageStoreOptions = {},
  ) {
    this.commits = new GroupCommit(async (items) => {
      const results = await appendBatch(pool, items);
      opts.onBatch?.(items.length);
      return results;
    }, opts.maxBatch ?? 200);
    this.received = new ReceivedWriter(pool, { onBatch: opts.onReceivedBatch });
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

  async queryJson(conv: string, opts: QueryOptions): Promise<{ count: number; json: RawJson<QueryResult> }> {
    const before = opts.before ?? null;
    const { rows } =
      opts.after !== undefined
        ? await this.pool.query<MessageTextRow>(
            `SELECT ${MESSAGE_COLUMNS_AS_TEXT} FROM messages
             WHERE conv = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq < $3)
             ORDER BY seq LIMIT $4`,
            [conv, opts.after, before, opts.limit + 1],
          )
        : await this.pool.query<MessageTextRow>(
            `SELECT ${MESSAGE_COLUMNS_AS_TEXT} FROM messages
             WHERE conv = $1 AND ($2::bigint IS NULL OR seq < $2)
             ORDER BY seq DESC LIMIT $3`,
            [conv, before, opts.limit + 1],
          );
    const more = rows.length > opts.limit;
    const page = rows.slice(0, opts.limit);
    if (opts.after === undefined) page.reverse();
    // Each row's JSON becomes its UTF-8 bytes at once, and the page is those bytes end to
    // end (what the socket or the NATS reply sends, framed with one more copy). An emoji
    // anywhere (a reaction, a text) makes a string two bytes per character: joined into one
    // page-sized string first, the decorated page cost ~0.25 ms more to flatten and encode
    // (bench/README.md, "Reactions and the decorated history page, measured").
    const parts = [PAGE_HEAD];
    for (const [i, row] of page.entries()) {
      if (i > 0) parts.push(COMMA);
      parts.push(Buffer.from(rowToJson(row)));
    }
    parts.push(more ? PAGE_TAIL_MORE : PAGE_TAIL);
    return { count: page.length, json: new RawJson(Buffer.concat(parts)) };
  }

  async convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]> {
    return (await this.convsMany([{ user, rooms, dms }]))[0]!;
  }

  async convsMany(items: ConvsQuery[]): Promise<ConvSummary[][]> {
    const out: ConvSummary[][] = items.map(() => []);
    if (items.length === 0) return out;
    // One statement for all: every row carries its item's position, and each item's read
    // markers, DMs and DM peers are joined on that item's own user, so no answer mixes two
    // users. A DM's peer is the user of `dm:<a>:<b>` that is not the caller (the caller of a
    // DM with oneself). A user has received what they read: received is the greater of the two.
    // Unread mentions count the user's own rows of `mentions` past the marker (an index range).
    const roomItem: number[] = [];
    const roomName: string[] = [];
    items.forEach((q, i) => {
      for (const r of q.rooms) {
        roomItem.push(i + 1);
        roomName.push(r);
      }
    });
    const { rows } = await this.pool.query<{
      i: number;
      conv: string;
      seq: string;
      ver: string;
      read: string;
      mentions: string;
      peer_received: string | null;
      peer_read: string | null;
    }>(
      `WITH q AS (
         SELECT * FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS q(user_id, dms, i)
       ), c AS (
         SELECT r.i, 'room:' || r.room AS conv FROM unnest($3::int[], $4::text[]) AS r(i, room)
         UNION
         SELECT q.i, cm.conv FROM q JOIN conv_members cm ON cm.user_id = q.user_id WHERE q.dms
       )
       SELECT c.i::int AS i, c.conv, coalesce(k.last_seq, 0) AS seq, coalesce(k.last_ver, 0) AS ver,
              coalesce(m.seq, 0) AS read,
              (SELECT count(*) FROM mentions n
                WHERE n.user_id = q.user_id AND n.conv = c.conv AND n.seq > coalesce(m.seq, 0)) AS mentions,
              CASE WHEN c.conv LIKE 'dm:%' THEN coalesce(GREATEST(p.received, p.seq), 0) END AS peer_received,
              CASE WHEN c.conv LIKE 'dm:%' THEN coalesce(p.seq, 0) END AS peer_read
       FROM c
       JOIN q ON q.i = c.i
       LEFT JOIN conversations k ON k.conv = c.conv
       LEFT JOIN read_markers m ON m.user_id = q.user_id AND m.conv = c.conv
       LEFT JOIN read_markers p ON c.conv LIKE 'dm:%' AND p.conv = c.conv
         AND p.user_id = CASE WHEN split_part(c.conv, ':', 2) = q.user_id
                              THEN split_part(c.conv, ':', 3) ELSE split_part(c.conv, ':', 2) END
       ORDER BY c.i, c.conv COLLATE "C"`,
      [items.map((q) => q.user), items.map((q) => q.dms), roomItem, roomName],
    );
    for (const r of rows) {
      // A room's thread is listed only while the room is (the user is in it).
      if (!listed(r.conv, items[r.i - 1]!.rooms)) continue;
      const summary: ConvSummary = {
        conv: r.conv,
        seq: Number(r.seq),
        ver: Number(r.ver),
        read: Number(r.read),
      };
      if (r.mentions !== '0') summary.mentions = Number(r.mentions);
      if (r.peer_read !== null) {
        summary.peer = { received: Number(r.peer_received), read: Number(r.peer_read) };
      }
      out[r.i - 1]!.push(summary);
    }
    return out;
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
      `WITH marker AS (
         INSERT INTO read_markers (user_id, conv, seq)
         SELECT $1, $2, LEAST($3::bigint, coalesce((SELECT last_seq FROM conversations WHERE conv = $2), 0))
         ON CONFLICT (user_id, conv) DO UPDATE SET seq = GREATEST(read_markers.seq, EXCLUDED.seq)
         RETURNING seq
       ), cleared AS (
         -- Read mentions are counted no more: the table keeps only unread ones (migration 006).
         DELETE FROM mentions WHERE user_id = $1 AND conv = $2 AND seq <= (SELECT seq FROM marker)
       )
       SELECT seq FROM marker`,
      [user, conv, seq],
    );
    return Number(rows[0].seq);
  }

  markReceived(user: string, conv: string, seq: number): Promise<number | undefined> {
    return this.received.submit({ user, conv, seq });
  }

  async receipts(conv: string, seq: number, members: string[], limit: number): Promise<ReceiptsResult> {
    const { rows } = await this.pool.query<{ list: 'read' | 'received'; user_id: string }>(
      `(SELECT 'read' AS list, user_id FROM read_markers
         WHERE conv = $1 AND user_id = ANY($2::text[]) AND seq >= $3
         ORDER BY user_id COLLATE "C" LIMIT $4)
       UNION ALL
       (SELECT 'received' AS list, user_id FROM read_markers
         WHERE conv = $1 AND user_id = ANY($2::text[]) AND GREATEST(received, seq) >= $3
         ORDER BY user_id COLLATE "C" LIMIT $4)`,
      [conv, members, seq, limit],
    );
    const result: ReceiptsResult = { read: [], received: [] };
    for (const r of rows) result[r.list].push(r.user_id);
    // UNION ALL keeps each branch's rows but not the order between them: sort each list.
    result.read.sort(byteOrder);
    result.received.sort(byteOrder);
    return result;
  }

  async markersOf(conv: string, users: string[]): Promise<{ read: number; received: number }[]> {
    const { rows } = await this.pool.query<{ user_id: string; seq: string; received: string }>(
      'SELECT user_id, seq, GREATEST(received, seq) AS received FROM read_markers WHERE conv = $1 AND user_id = ANY($2::text[])',
      [conv, users],
    );
    const by = new Map(rows.map((r) => [r.user_id, { read: Number(r.seq), received: Number(r.received) }]));
    return users.map((u) => by.get(u) ?? { read: 0, received: 0 });
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

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
