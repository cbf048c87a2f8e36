import { transaction } from '@natter/db';
import { isoTime, type MessageView, NatterError, type ThreadSummary } from '@natter/protocol';
import type pg from 'pg';
import { newMid } from './ids.ts';
import { advanceSenderMarkers, findByCid, insertMessages, nextSeq } from './pg-append.ts';
import { isUniqueViolation } from './pg-rows.ts';
import type { AppendInput, AppendResult } from './store.ts';
import { THREAD_USERS } from './threads.ts';

/**
 * The root's summary after one more reply by $5 at $4, with the parent's next ver ($3). No row
 * when the parent has no message $2: the thread has no root.
 */
const ROOT_SQL = `
UPDATE messages SET ver = $3, thread = jsonb_build_object(
  'replies', coalesce((thread ->> 'replies')::bigint, 0) + 1,
  'last', $4::text,
  'users', CASE
    WHEN coalesce(thread::jsonb -> 'users', '[]'::jsonb) ? $5::text
      OR jsonb_array_length(coalesce(thread::jsonb -> 'users', '[]'::jsonb)) >= ${THREAD_USERS}
    THEN coalesce(thread::jsonb -> 'users', '[]'::jsonb)
    ELSE coalesce(thread::jsonb -> 'users', '[]'::jsonb) || jsonb_build_array($5::text) END)::json
WHERE conv = $1 AND seq = $2
RETURNING thread`;

/**
 * Appends one message to a thread, in one transaction with its root's new summary: the
 * parent's conversations row first (its next ver: the summary is a change of the root), then
 * the thread's own row (its next seq and ver), in that order everywhere, so appends and
 * changes cannot deadlock. Nothing is read before the writes: a missing root is found by the
 * root's UPDATE touching no row, and rolls everything back as `not_found`.
 */
export async function appendThread(pool: pg.Pool, item: AppendInput): Promise<AppendResult> {
  const root = item.thread!;
  try {
    return await transaction<AppendResult>(pool, async (c) => {
      const parent = await c.query<{ last_ver: string }>(
        'UPDATE conversations SET last_ver = last_ver + 1 WHERE conv = $1 RETURNING last_ver',
        [root.parent],
      );
      if (!parent.rows[0]) throw noRoot(root);
      const rows = await nextSeq(c, item.conv);
      const first = await findByCid(c, item.from, item.cid);
      if (first) return { value: { stored: first, duplicate: true }, commit: false };
      const ts = isoTime();
      const rootVer = Number(parent.rows[0].last_ver);
      const summary = await c.query<{ thread: ThreadSummary }>(ROOT_SQL, [
        root.parent,
        root.seq,
        rootVer,
        ts,
        item.from,
      ]);
      if (!summary.rows[0]) throw noRoot(root);
      const stored: MessageView = {
        conv: item.conv,
        seq: Number(rows[0].last_seq),
        mid: newMid(),
        from: item.from,
        ts,
        ver: Number(rows[0].last_ver),
        cid: item.cid,
      };
      if (item.text !== undefined) stored.text = item.text;
      if (item.attachments !== undefined) stored.attachments = item.attachments;
      if (item.reply !== undefined) stored.reply = item.reply;
      if (item.mentions?.length) stored.mentions = item.mentions;
      await insertMessages(c, [stored]);
      await advanceSenderMarkers(c, [stored]);
      // Who `convs` lists the thread for: its writers and the users it mentions.
      await c.query(
        `INSERT INTO conv_members (user_id, conv) SELECT DISTINCT u, $2 FROM unnest($1::text[]) AS u
         ON CONFLICT DO NOTHING`,
        [[item.from, ...(item.mentions ?? [])], item.conv],
      );
      const change = { conv: root.parent, seq: root.seq, ver: rootVer, thread: summary.rows[0].thread };
      return { value: { stored, duplicate: false, root: change }, commit: true };
    });
  } catch (err) {
    // The same (from, cid) committed meanwhile elsewhere: that first message is the answer.
    if (!isUniqueViolation(err, 'messages_sender_cid_key')) throw err;
    const first = await findByCid(pool, item.from, item.cid);
    if (!first) throw err;
    return { stored: first, duplicate: true };
  }
}

function noRoot(root: { parent: string; seq: number }): NatterError {
  return new NatterError('not_found', `to: no message ${root.seq} in ${root.parent} to start a thread at`);
}
