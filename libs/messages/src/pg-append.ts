import { transaction } from '@natter/db';
import { isoTime, type MessageView, parseConv } from '@natter/protocol';
import { oneByOne, type Settled } from '@natter/service';
import type pg from 'pg';
import { newMid } from './ids.ts';
import {
  isStatementError,
  isUniqueViolation,
  MESSAGE_COLUMNS,
  type MessageRow,
  rowToView,
} from './pg-rows.ts';
import { appendThread } from './pg-thread.ts';
import type { AppendInput, AppendResult } from './store.ts';

/**
 * Appends a batch of messages in one transaction (group commit). A repeated (from, cid)
 * inside the batch answers like the first of them, with `duplicate: true`. If Postgres
 * rejects the batch for something in it (bad data, a racing duplicate from another
 * instance, a deadlock), the messages are appended again one by one so that only the
 * culprit fails; that is safe because appends are idempotent on (from, cid). A lost
 * connection rejects the whole batch (nothing or everything was committed; a retry with
 * the same cid finds out which).
 */
export async function appendBatch(pool: pg.Pool, items: AppendInput[]): Promise<Settled<AppendResult>[]> {
  const firstOf = new Map<string, number>();
  const leaderIndex = items.map((item, i) => {
    const key = `${item.from}\n${item.cid}`;
    const first = firstOf.get(key);
    if (first !== undefined) return first;
    firstOf.set(key, i);
    return i;
  });
  // Thread messages go one by one: each also updates its root (pg-thread.ts).
  const leaders = [...firstOf.values()].filter((i) => !items[i].thread);
  const threaded = [...firstOf.values()].filter((i) => items[i].thread);

  const results =
    leaders.length > 0
      ? await appendLeaders(
          pool,
          leaders.map((i) => items[i]),
        )
      : [];

  const byLeader = new Map(leaders.map((li, k) => [li, results[k]]));
  for (const i of threaded) {
    try {
      byLeader.set(i, { ok: true, value: await appendThread(pool, items[i]) });
    } catch (error) {
      byLeader.set(i, { ok: false, error });
    }
  }
  return items.map((_, i) => {
    const r = byLeader.get(leaderIndex[i])!;
    if (leaderIndex[i] === i || !r.ok) return r;
    return { ok: true, value: { stored: structuredClone(r.value.stored), duplicate: true } };
  });
}

/** The batch in one statement, or one by one when Postgres rejects something in it. */
async function appendLeaders(pool: pg.Pool, items: AppendInput[]): Promise<Settled<AppendResult>[]> {
  try {
    return (await appendAll(pool, items)).map((value) => ({ ok: true, value }));
  } catch (err) {
    if (!isStatementError(err)) throw err;
    return oneByOne(items, (item) => appendOne(pool, item));
  }
}

/** Takes the conversation's next seq and ver (its row locked until the transaction ends). */
export async function nextSeq(
  c: pg.PoolClient,
  conv: string,
): Promise<{ last_seq: string; last_ver: string }[]> {
  const { rows } = await c.query<{ last_seq: string; last_ver: string }>(
    `INSERT INTO conversations (conv, last_seq, last_ver) VALUES ($1, 1, 1)
     ON CONFLICT (conv) DO UPDATE
       SET last_seq = conversations.last_seq + 1, last_ver = conversations.last_ver + 1
     RETURNING last_seq, last_ver`,
    [conv],
  );
  return rows;
}

/** Appends one message in its own transaction. */
export async function appendOne(pool: pg.Pool, item: AppendInput): Promise<AppendResult> {
  try {
    return await transaction<AppendResult>(pool, async (c) => {
      // Lock the conversation first: a racing append of the same (from, cid) to this
      // conversation has then committed, and the lookup below sees it.
      const rows = await nextSeq(c, item.conv);
      const first = await findByCid(c, item.from, item.cid);
      if (first) return { value: { stored: first, duplicate: true }, commit: false };
      const seq = Number(rows[0].last_seq);
      if (seq === 1) await insertDmMembers(c, [item.conv]);
      const stored = toView(item, seq, Number(rows[0].last_ver), isoTime());
      await insertMessages(c, [stored]);
      await advanceSenderMarkers(c, [stored]);
      return { value: { stored, duplicate: false }, commit: true };
    });
  } catch (err) {
    // The same (from, cid) committed meanwhile to another conversation (a client reusing a
    // cid across conversations): that first message is the answer.
    if (!isUniqueViolation(err, 'messages_sender_cid_key')) throw err;
    const first = await findByCid(pool, item.from, item.cid);
    if (!first) throw err;
    return { stored: first, duplicate: true };
  }
}

/**
 * A message.created event's data from a row of `messages` (libs/events EventData): the
 * message as history has it, without the sender's cid. ts as isoTime() writes it.
 */
const MESSAGE_EVENT_DATA = `jsonb_strip_nulls(jsonb_build_object(
    'conv', conv, 'seq', seq, 'mid', mid, 'from', sender,
    'ts', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'ver', ver,
    'text', text, 'attachments', attachments, 'reply', reply, 'mentions', mentions))`;

/**
 * A data-modifying CTE body recording who each new message of `source` (rows with conv,
 * seq, sender, mentions) mentions, for the unread-mention counts of `convs` (migration 006).
 * A sender mentioning itself has read its own message: no row.
 */
export function mentionRows(source: string): string {
  return `INSERT INTO mentions (user_id, conv, seq)
  SELECT DISTINCT u.user_id, s.conv, s.seq
  FROM ${source} s CROSS JOIN LATERAL jsonb_array_elements_text(s.mentions) AS u(user_id)
  WHERE s.mentions IS NOT NULL AND u.user_id <> s.sender
  ON CONFLICT DO NOTHING`;
}

/**
 * The CTEs and final SELECT that both append statements end with, on their CTEs `numbered`
 * (the new messages: conv, seq, sender, mentions), `inserted` (their rows) and `existing`
 * (the repeats' first rows): the senders' read markers, who is mentioned, the users of DMs
 * that just got their first message, the outbox row, and the answer.
 */
const NEW_MESSAGE_TAIL = `markers AS (
  INSERT INTO read_markers AS r (user_id, conv, seq)
  SELECT sender, conv, max(seq) FROM numbered GROUP BY sender, conv
  ORDER BY sender COLLATE "C", conv COLLATE "C"
  ON CONFLICT (user_id, conv) DO UPDATE SET seq = GREATEST(r.seq, EXCLUDED.seq)
),
mentioned AS (${mentionRows('numbered')}),
dm_members AS (
  INSERT INTO conv_members (user_id, conv)
  SELECT DISTINCT u.user_id, n.conv
  FROM numbered n, LATERAL (VALUES (split_part(n.conv, ':', 2)), (split_part(n.conv, ':', 3))) AS u(user_id)
  WHERE n.seq = 1 AND n.conv LIKE 'dm:%'
  ON CONFLICT DO NOTHING
),
logged AS (
  -- The outbox (libs/events): one message.created per new message, in this transaction.
  INSERT INTO natter_events (type, data)
  SELECT 'message.created', ${MESSAGE_EVENT_DATA} FROM inserted ORDER BY conv, seq
)
SELECT true AS fresh, * FROM inserted
UNION ALL
SELECT false AS fresh, * FROM existing`;

/**
 * The whole batch in ONE statement, so one round trip and one implicit transaction: the
 * data-modifying CTEs below find repeats of (from, cid), bump each conversation's last_seq
 * (rows locked in conv order, so two instances' batches cannot deadlock on them), number
 * the new messages, insert them (and who they mention), move the senders' read markers up to their own messages,
 * and record the users of DMs that just got their first message. Items have distinct
 * (from, cid). Measured: a one-message batch went from ~2.5 ms (seven round trips) to one
 * round trip.
 *
 * The (from, cid) lookup is a LATERAL subquery with LIMIT 1 so that it is always one probe
 * of messages_sender_cid_key per item: as a plain join, the generic plan a connection caches
 * after five executions was a hash join over a sequential scan of all of `messages` whenever
 * it was planned while the table was small (a fresh database), and it stayed cached, so each
 * append read the whole table (Postgres CPU per append grew from 0.5 to 2.5 ms over 17,000
 * messages; bench/README.md).
 */
export const APPEND_BATCH_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
                       $8::jsonb[], $9::jsonb[])
    WITH ORDINALITY AS t(conv, sender, cid, text, attachments, mid, reply, mentions, ord)
),
existing AS (
  SELECT m.* FROM input i CROSS JOIN LATERAL (
    SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE sender = i.sender AND cid = i.cid LIMIT 1
  ) m
),
fresh AS (
  SELECT i.* FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.sender = i.sender AND e.cid = i.cid)
),
counts AS (SELECT conv, count(*)::bigint AS n FROM fresh GROUP BY conv),
bumped AS (
  INSERT INTO conversations AS c (conv, last_seq, last_ver)
  SELECT conv, n, n FROM counts ORDER BY conv COLLATE "C"
  ON CONFLICT (conv) DO UPDATE
    SET last_seq = c.last_seq + EXCLUDED.last_seq, last_ver = c.last_ver + EXCLUDED.last_ver
  RETURNING c.conv, c.last_seq, c.last_ver
),
numbered AS (
  -- A new message takes the next seq and the next ver alike.
  SELECT f.conv, b.last_seq - k.n + row_number() OVER w AS seq, b.last_ver - k.n + row_number() OVER w AS ver,
         f.mid, f.sender, f.cid, f.text, f.attachments, f.reply, f.mentions
  FROM fresh f JOIN bumped b ON b.conv = f.conv JOIN counts k ON k.conv = f.conv
  WINDOW w AS (PARTITION BY f.conv ORDER BY f.ord)
),
inserted AS (
  INSERT INTO messages (conv, seq, mid, sender, cid, ts, text, attachments, ver, created_ver, reply, mentions)
  SELECT conv, seq, mid, sender, cid, $7::timestamptz, text, attachments, ver, ver, reply, mentions
  FROM numbered
  RETURNING ${MESSAGE_COLUMNS}
),
${NEW_MESSAGE_TAIL}`;

/**
 * A batch of ONE message (what a DM gets while history is not busy: each append its own
 * group commit) as APPEND_BATCH_SQL appends it, with the same parameters and answer, without
 * the batch's numbering (counts, window, joins): Postgres CPU per append 0.26 -> 0.205 ms
 * (bench/append-cpu.ts, bench/README.md). The (from, cid) probe is one index lookup with its
 * parameters, so the cached generic plan cannot become a scan (the test checks both plans).
 */
export const APPEND_ONE_SQL = `
WITH existing AS (
  SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = ($2::text[])[1] AND cid = ($3::text[])[1] LIMIT 1
),
bumped AS (
  INSERT INTO conversations AS c (conv, last_seq, last_ver)
  SELECT ($1::text[])[1], 1, 1 WHERE NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT (conv) DO UPDATE SET last_seq = c.last_seq + 1, last_ver = c.last_ver + 1
  RETURNING c.last_seq, c.last_ver
),
inserted AS (
  INSERT INTO messages (conv, seq, mid, sender, cid, ts, text, attachments, ver, created_ver, reply, mentions)
  SELECT ($1::text[])[1], last_seq, ($6::text[])[1], ($2::text[])[1], ($3::text[])[1], $7::timestamptz,
         ($4::text[])[1], ($5::jsonb[])[1], last_ver, last_ver, ($8::jsonb[])[1], ($9::jsonb[])[1]
  FROM bumped
  RETURNING ${MESSAGE_COLUMNS}
),
numbered AS (SELECT conv, seq, sender, mentions FROM inserted),
${NEW_MESSAGE_TAIL}`;

/** The prepared statements' names on each connection (tests read their cached plans). */
export const APPEND_STATEMENT = 'natter-append-batch';
export const APPEND_ONE_STATEMENT = 'natter-append-one';

async function appendAll(pool: pg.Pool, items: AppendInput[]): Promise<AppendResult[]> {
  const ts = isoTime();
  const one = items.length === 1;
  // Named, so each connection prepares (plans) each once.
  const { rows } = await pool.query<MessageRow & { fresh: boolean }>({
    name: one ? APPEND_ONE_STATEMENT : APPEND_STATEMENT,
    text: one ? APPEND_ONE_SQL : APPEND_BATCH_SQL,
    values: [
      items.map((i) => i.conv),
      items.map((i) => i.from),
      items.map((i) => i.cid),
      items.map((i) => i.text ?? null),
      items.map((i) => (i.attachments === undefined ? null : JSON.stringify(i.attachments))),
      items.map(() => newMid()),
      ts,
      items.map((i) => (i.reply === undefined ? null : JSON.stringify(i.reply))),
      items.map((i) => (i.mentions?.length ? JSON.stringify(i.mentions) : null)),
    ],
  });
  const byKey = new Map(rows.map((r) => [`${r.sender}\n${r.cid}`, r]));
  return items.map((i) => {
    const row = byKey.get(`${i.from}\n${i.cid}`);
    if (!row) throw new Error(`batch append returned no row for ${i.from}/${i.cid}`);
    return { stored: rowToView(row), duplicate: !row.fresh };
  });
}

function toView(i: AppendInput, seq: number, ver: number, ts: string): MessageView {
  const view: MessageView = { conv: i.conv, seq, mid: newMid(), from: i.from, ts, ver, cid: i.cid };
  if (i.text !== undefined) view.text = i.text;
  if (i.attachments !== undefined) view.attachments = i.attachments;
  if (i.reply !== undefined) view.reply = i.reply;
  if (i.mentions?.length) view.mentions = i.mentions;
  return view;
}

/** Inserts the messages and their message.created events (the outbox). */
export async function insertMessages(c: pg.PoolClient, msgs: MessageView[]): Promise<void> {
  if (msgs.length === 0) return;
  await c.query(
    `WITH inserted AS (
     INSERT INTO messages (conv, seq, mid, sender, cid, ts, text, attachments, ver, created_ver, reply, mentions)
     SELECT conv, seq, mid, sender, cid, ts, text, attachments, ver, ver, reply, mentions FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                          $6::timestamptz[], $7::text[], $8::jsonb[], $9::bigint[], $10::jsonb[], $11::jsonb[])
       AS t(conv, seq, mid, sender, cid, ts, text, attachments, ver, reply, mentions)
     RETURNING *),
     mentioned AS (${mentionRows('inserted')})
     INSERT INTO natter_events (type, data)
     SELECT 'message.created', ${MESSAGE_EVENT_DATA} FROM inserted ORDER BY conv, seq`,
    [
      msgs.map((m) => m.conv),
      msgs.map((m) => m.seq),
      msgs.map((m) => m.mid),
      msgs.map((m) => m.from),
      msgs.map((m) => m.cid),
      msgs.map((m) => m.ts),
      msgs.map((m) => m.text ?? null),
      msgs.map((m) => (m.attachments === undefined ? null : JSON.stringify(m.attachments))),
      msgs.map((m) => m.ver),
      msgs.map((m) => (m.reply === undefined ? null : JSON.stringify(m.reply))),
      msgs.map((m) => (m.mentions === undefined ? null : JSON.stringify(m.mentions))),
    ],
  );
}

/**
 * A sender has read what it sent: its read marker moves up to its own message, so its
 * other devices do not count it as unread. One upsert per batch, rows in key order so two
 * instances' batches cannot deadlock.
 */
export async function advanceSenderMarkers(c: pg.PoolClient, msgs: MessageView[]): Promise<void> {
  const top = new Map<string, { user: string; conv: string; seq: number }>();
  for (const m of msgs) {
    const key = `${m.from}\n${m.conv}`;
    const cur = top.get(key);
    if (!cur || m.seq > cur.seq) top.set(key, { user: m.from, conv: m.conv, seq: m.seq });
  }
  if (top.size === 0) return;
  const rows = [...top.values()];
  await c.query(
    `INSERT INTO read_markers (user_id, conv, seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(user_id, conv, seq)
     ORDER BY user_id COLLATE "C", conv COLLATE "C"
     ON CONFLICT (user_id, conv) DO UPDATE SET seq = GREATEST(read_markers.seq, EXCLUDED.seq)`,
    [rows.map((r) => r.user), rows.map((r) => r.conv), rows.map((r) => r.seq)],
  );
}

/** Records the two users of DM conversations that just got their first message. */
async function insertDmMembers(c: pg.PoolClient, convs: string[]): Promise<void> {
  const users: string[] = [];
  const dmConvs: string[] = [];
  for (const conv of convs) {
    const parsed = parseConv(conv);
    if (parsed?.kind !== 'dm') continue;
    for (const u of new Set(parsed.users)) {
      users.push(u);
      dmConvs.push(conv);
    }
  }
  if (users.length === 0) return;
  await c.query(
    `INSERT INTO conv_members (user_id, conv) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT DO NOTHING`,
    [users, dmConvs],
  );
}

export async function findByCid(
  q: pg.Pool | pg.PoolClient,
  from: string,
  cid: string,
): Promise<MessageView | undefined> {
  const { rows } = await q.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = $1 AND cid = $2`,
    [from, cid],
  );
  return rows[0] && rowToView(rows[0]);
}
