import { GroupCommit, type Settled } from '@natter/service';
import type pg from 'pg';

export interface ReceivedInput {
  user: string;
  conv: string;
  seq: number;
}

/**
 * Moves delivery markers of a whole batch in ONE statement: each (user, conv) clamped to the
 * conversation's latest seq, written only where it passes both of the user's markers (one has
 * received what one read), rows in key order (the order the append's sender markers take) so
 * no two batches deadlock. RETURNING names exactly the markers that moved.
 */
const RECEIVED_BATCH_SQL = `
WITH input AS (
  SELECT i.user_id, i.conv, LEAST(i.seq, k.last_seq) AS seq
  FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i(user_id, conv, seq)
  JOIN conversations k ON k.conv = i.conv
)
INSERT INTO read_markers AS r (user_id, conv, seq, received)
SELECT user_id, conv, 0, seq FROM input WHERE seq > 0
ORDER BY user_id COLLATE "C", conv COLLATE "C"
ON CONFLICT (user_id, conv) DO UPDATE SET received = EXCLUDED.received
  WHERE GREATEST(r.received, r.seq) < EXCLUDED.received
RETURNING r.user_id, r.conv, r.received`;

/**
 * Delivery markers, group-committed: every client sends `received` about once a second per
 * conversation it is active in, so many users' markers share one statement, and a user's
 * repeats for one conversation within a batch collapse into its highest. Resolves each
 * submission with the marker after the batch when that submission moved it (the highest of
 * its key), else undefined.
 */
export class ReceivedWriter {
  private readonly commits: GroupCommit<ReceivedInput, number | undefined>;

  constructor(pool: pg.Pool, opts: { maxBatch?: number; onBatch?: (size: number) => void } = {}) {
    this.commits = new GroupCommit(async (items) => {
      const results = await writeBatch(pool, items);
      opts.onBatch?.(items.length);
      return results;
    }, opts.maxBatch ?? 500);
  }

  submit(item: ReceivedInput): Promise<number | undefined> {
    return this.commits.submit(item);
  }
}

async function writeBatch(pool: pg.Pool, items: ReceivedInput[]): Promise<Settled<number | undefined>[]> {
  // The item that carries its key's highest seq answers for the key; the others moved nothing.
  const top = new Map<string, number>();
  items.forEach((it, i) => {
    const key = `${it.user}\n${it.conv}`;
    const cur = top.get(key);
    if (cur === undefined || it.seq > (items[cur] as ReceivedInput).seq) top.set(key, i);
  });
  const rows = [...top.values()].map((i) => items[i] as ReceivedInput);
  const { rows: moved } = await pool.query<{ user_id: string; conv: string; received: string }>(
    RECEIVED_BATCH_SQL,
    [rows.map((r) => r.user), rows.map((r) => r.conv), rows.map((r) => r.seq)],
  );
  const after = new Map(moved.map((m) => [`${m.user_id}\n${m.conv}`, Number(m.received)]));
  return items.map((it, i) => {
    const key = `${it.user}\n${it.conv}`;
    return { ok: true, value: top.get(key) === i ? after.get(key) : undefined };
  });
}
