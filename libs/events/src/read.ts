import type { LoggedEvent } from '@natter/contracts';
import { NatterError } from '@natter/protocol';
import type pg from 'pg';

/** `<xid>-<id>`: the writing transaction and the row; opaque to readers. */
const CURSOR_RE = /^(\d{1,20})-(\d{1,20})$/;

export const MAX_PAGE = 1000;

interface Position {
  xid: string;
  id: string;
}

/** The position a cursor names; bad_request naming `after` when it is not one of ours. */
export function parseCursor(cursor: string): Position {
  const m = CURSOR_RE.exec(cursor);
  if (!m) throw new NatterError('bad_request', 'after: not a cursor of this log');
  return { xid: m[1]!, id: m[2]! };
}

interface Row {
  id: string;
  xid: string;
  type: string;
  ts: Date;
  data: unknown;
}

/**
 * Up to `limit` events after `after` (from the oldest retained without it), oldest first.
 *
 * Only rows of transactions older than the oldest one still running are read
 * (`xid < pg_snapshot_xmin(pg_current_snapshot())`): every such transaction has committed or
 * rolled back, so no row can still appear before the last one returned. Ordering by id alone
 * would skip a transaction that took a lower id and committed after a reader passed it.
 * The price: a transaction that stays open holds readers back until it ends.
 *
 * ORDER BY names the table's columns: bare `xid, id` would be the text output columns of the
 * same names, and "99" sorts after "100", so a page crossing a digit count ended on a
 * cursor that skipped (or repeated) the rest of it.
 */
export async function readEvents(
  db: pg.Pool | pg.PoolClient,
  after: string | undefined,
  limit: number,
): Promise<LoggedEvent[]> {
  const n = Math.min(Math.max(1, Math.trunc(limit)), MAX_PAGE);
  const from = after === undefined ? undefined : parseCursor(after);
  const { rows } = await db.query<Row>(
    `SELECT id::text, xid::text, type, ts, data FROM natter_events
      WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
        AND ($1::xid8 IS NULL OR (xid, id) > ($1::xid8, $2::bigint))
      ORDER BY natter_events.xid, natter_events.id LIMIT $3`,
    [from?.xid ?? null, from?.id ?? null, n],
  );
  return rows.map(toEvent);
}

/**
 * The cursor of the newest event a reader can see now (as readEvents reads), or undefined
 * for an empty log: a new reader that wants only what comes next starts there.
 */
export async function latestCursor(db: pg.Pool | pg.PoolClient): Promise<string | undefined> {
  const { rows } = await db.query<{ cursor: string }>(
    `SELECT xid::text || '-' || id AS cursor FROM natter_events
      WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid DESC, id DESC LIMIT 1`,
  );
  return rows[0]?.cursor;
}

/**
 * How many events (counted up to `cap`) lie after `after`, and the age in seconds of the
 * oldest of them (0 when none): a reader's backlog.
 */
export async function backlog(
  db: pg.Pool,
  after: string | undefined,
  cap = 100_000,
): Promise<{ depth: number; oldestSec: number }> {
  const from = after === undefined ? undefined : parseCursor(after);
  const { rows } = await db.query<{ depth: number; oldest: number | null }>(
    `WITH pending AS (
       SELECT ts FROM natter_events
        WHERE $1::xid8 IS NULL OR (xid, id) > ($1::xid8, $2::bigint)
        ORDER BY xid, id LIMIT $3)
     SELECT count(*)::int AS depth, extract(epoch FROM now() - min(ts))::float8 AS oldest FROM pending`,
    [from?.xid ?? null, from?.id ?? null, cap],
  );
  return { depth: rows[0]!.depth, oldestSec: Math.max(0, rows[0]!.oldest ?? 0) };
}

function toEvent(r: Row): LoggedEvent {
  return {
    id: `evt_${r.id}`,
    cursor: `${r.xid}-${r.id}`,
    type: r.type,
    ts: r.ts.toISOString(),
    data: r.data,
  } as LoggedEvent;
}

/**
 * Deletes events older than `hours`, at most `batch` rows per statement so a large backlog
 * never holds long locks or one huge transaction; returns how many went.
 */
export async function pruneEvents(db: pg.Pool, hours: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM natter_events WHERE (xid, id) IN (
         SELECT xid, id FROM natter_events WHERE ts < now() - make_interval(hours => $1) LIMIT $2)`,
      [hours, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}
