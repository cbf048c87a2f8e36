import { transaction } from '@natter/db';
import type { NewEvent } from '@natter/events';
import { logEvents } from '@natter/events';
import type { MessageView } from '@natter/protocol';
import { isoTime, MAX_PINS, MAX_REACTIONS, NatterError, REACTION_USERS } from '@natter/protocol';
import type pg from 'pg';
import { messageNotFound as notFound } from './authorize.ts';
import { MESSAGE_COLUMNS, type MessageRow, messageColumns, rowToView } from './pg-rows.ts';
import type { ChangeInput, ChangeResult, ChangesOptions, ChangesResult } from './store.ts';

type Row = MessageRow & { edit_ver: string | null };

/** Thrown inside the transaction when the change changes nothing: roll back, answer this. */
class NoChange {
  constructor(readonly result: ChangeResult) {}
}

/**
 * One change of a message in one transaction. The conversation's row is locked first (as
 * appends lock it), taking the next ver, then the message's: so changes and appends of a
 * conversation queue on one lock in one order and never deadlock on each other. A change
 * that changes nothing rolls back, and its ver is not used.
 */
export async function changeMessage(pool: pg.Pool, input: ChangeInput): Promise<ChangeResult> {
  try {
    return await transaction(pool, async (c) => {
      const bumped = await c.query<{ last_ver: string }>(
        'UPDATE conversations SET last_ver = last_ver + 1 WHERE conv = $1 RETURNING last_ver',
        [input.conv],
      );
      if (bumped.rows.length === 0) throw notFound(input.conv, input.seq);
      const ver = Number(bumped.rows[0].last_ver);
      const { rows } = await c.query<Row>(
        `SELECT ${MESSAGE_COLUMNS}, edit_ver FROM messages WHERE conv = $1 AND seq = $2 FOR UPDATE`,
        [input.conv, input.seq],
      );
      if (!rows[0]) throw notFound(input.conv, input.seq);
      const row = rows[0];
      const current = rowToView(row);
      input.check(current);
      const same = (r: ChangeResult = { ver: current.ver, changed: false, msg: current }) => new NoChange(r);
      if (current.deleted) {
        if (input.op === 'delete') throw same({ ver: current.ver, changed: false, msg: current, gone: true });
        if (input.op === 'unpin') throw same();
        throw notFound(input.conv, input.seq);
      }
      const now = isoTime();
      const key = [input.conv, input.seq, ver];
      let updated: Row[];
      switch (input.op) {
        case 'edit': {
          if (current.text === input.text) {
            throw same({ ver: Number(row.edit_ver ?? current.ver), changed: false, msg: current });
          }
          ({ rows: updated } = await c.query<Row>(
            `UPDATE messages SET ver = $3, edit_ver = $3, text = $4, mentions = $5, edited = $6
             WHERE conv = $1 AND seq = $2 RETURNING ${MESSAGE_COLUMNS}, edit_ver`,
            [...key, input.text, input.mentions.length ? JSON.stringify(input.mentions) : null, now],
          ));
          // The edit recomputed the mentions: so are the unread-mention rows.
          await c.query('DELETE FROM mentions WHERE conv = $1 AND seq = $2', [input.conv, input.seq]);
          await c.query(
            `INSERT INTO mentions (user_id, conv, seq)
             SELECT DISTINCT u, $1::text, $2::bigint FROM unnest($3::text[]) AS u WHERE u <> $4::text ON CONFLICT DO NOTHING`,
            [input.conv, input.seq, input.mentions, current.from],
          );
          break;
        }
        case 'delete': {
          await c.query('DELETE FROM reactions WHERE conv = $1 AND seq = $2', [input.conv, input.seq]);
          await c.query('DELETE FROM mentions WHERE conv = $1 AND seq = $2', [input.conv, input.seq]);
          // The previews of replies to it go with its text (no ver: a client that applies the
          // delete empties them itself).
          await c.query(
            `UPDATE messages SET reply = jsonb_set(reply, '{preview}', '""')
             WHERE conv = $1 AND (reply ->> 'seq')::bigint = $2 AND reply ->> 'preview' <> ''`,
            [input.conv, input.seq],
          );
          ({ rows: updated } = await c.query<Row>(
            `UPDATE messages SET ver = $3, deleted = $4, text = NULL, attachments = NULL, reply = NULL,
               mentions = NULL, reactions = NULL, pinned_at = NULL, pinned_by = NULL, edited = NULL
             WHERE conv = $1 AND seq = $2 RETURNING ${MESSAGE_COLUMNS}, edit_ver`,
            [...key, now],
          ));
          break;
        }
        case 'react':
        case 'unreact': {
          const emojis = current.reactions ?? [];
          const known = emojis.some((r) => r.emoji === input.emoji);
          if (input.op === 'react' && !known && emojis.length >= MAX_REACTIONS) {
            throw new NatterError('too_large', `emoji: a message carries at most ${MAX_REACTIONS} emoji`);
          }
          const done =
            input.op === 'react'
              ? await c.query(
                  `INSERT INTO reactions (conv, seq, emoji, user_id) VALUES ($1, $2, $3, $4)
                   ON CONFLICT DO NOTHING`,
                  [input.conv, input.seq, input.emoji, input.user],
                )
              : await c.query(
                  'DELETE FROM reactions WHERE conv = $1 AND seq = $2 AND emoji = $3 AND user_id = $4',
                  [input.conv, input.seq, input.emoji, input.user],
                );
          if (done.rowCount === 0) throw same();
          // An emoji keeps its place while anyone still reacts with it ($4: the order so far);
          // a new one goes last. So a client applying reaction events gets the same order.
          ({ rows: updated } = await c.query<Row>(
            `UPDATE messages SET ver = $3, reactions = (
               SELECT jsonb_agg(jsonb_build_object('emoji', emoji, 'count', n, 'users', to_jsonb(users))
                                ORDER BY coalesce(array_position($4::text[], emoji), 2147483647), first)::json
               FROM (SELECT emoji, count(*) AS n, min(id) AS first,
                            (array_agg(user_id ORDER BY id))[1:${REACTION_USERS}] AS users
                     FROM reactions WHERE conv = $1 AND seq = $2 GROUP BY emoji) e)
             WHERE conv = $1 AND seq = $2 RETURNING ${MESSAGE_COLUMNS}, edit_ver`,
            [...key, emojis.map((r) => r.emoji)],
          ));
          break;
        }
        case 'pin': {
          if (current.pinned) throw same();
          const { rows: n } = await c.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM messages WHERE conv = $1 AND pinned_at IS NOT NULL',
            [input.conv],
          );
          if (n[0].n >= MAX_PINS) {
            throw new NatterError(
              'too_large',
              `seq: a conversation has at most ${MAX_PINS} pins; unpin one first`,
            );
          }
          ({ rows: updated } = await c.query<Row>(
            `UPDATE messages SET ver = $3, pinned_at = $4, pinned_by = $5
             WHERE conv = $1 AND seq = $2 RETURNING ${MESSAGE_COLUMNS}, edit_ver`,
            [...key, now, input.user],
          ));
          break;
        }
        case 'unpin': {
          if (!current.pinned) throw same();
          ({ rows: updated } = await c.query<Row>(
            `UPDATE messages SET ver = $3, pinned_at = NULL, pinned_by = NULL
             WHERE conv = $1 AND seq = $2 RETURNING ${MESSAGE_COLUMNS}, edit_ver`,
            key,
          ));
          break;
        }
      }
      const value: ChangeResult = { ver, changed: true, msg: rowToView(updated[0]) };
      if (input.op === 'delete') value.attachments = current.attachments;
      // The outbox: the change's event commits or rolls back with it; a NoChange above has
      // already rolled back, so an idempotent retry logs nothing.
      await logEvents(c, changeEvents(input, value.msg));
      return { value, commit: true };
    });
  } catch (err) {
    if (err instanceof NoChange) return err.result;
    throw err;
  }
}

/**
 * The event log's entries for a change that changed something (libs/contracts log-events):
 * edits and deletes carry the message as history now has it (without the sender's cid);
 * reactions carry who and which emoji. Pins are not in the log's table.
 */
export function changeEvents(input: ChangeInput, msg: MessageView): NewEvent[] {
  const { cid: _cid, ...data } = msg;
  switch (input.op) {
    case 'edit':
      return [{ type: 'message.edited', data }];
    case 'delete':
      return [{ type: 'message.deleted', data }];
    case 'react':
    case 'unreact':
      return [
        {
          type: input.op === 'react' ? 'reaction.added' : 'reaction.removed',
          data: { conv: msg.conv, seq: msg.seq, mid: msg.mid, user: input.user, emoji: input.emoji },
        },
      ];
    default:
      return [];
  }
}

/** See ChangesRequest (libs/contracts): one statement, so the rows and `ver` share a snapshot. */
export async function changesOf(pool: pg.Pool, conv: string, opts: ChangesOptions): Promise<ChangesResult> {
  const { rows } = await pool.query<
    Partial<MessageRow> & { conv_ver: string; created_ver: string | null; mid: string | null }
  >(
    `SELECT k.last_ver AS conv_ver, ${messageColumns('m')}, m.created_ver
       FROM conversations k
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS}, created_ver FROM messages
          WHERE conv = k.conv AND ver > $2 AND ($3::bigint IS NULL OR seq <= $3 OR seq > $5::bigint)
          ORDER BY ver LIMIT $4
       ) m ON true
      WHERE k.conv = $1`,
    [conv, opts.after, opts.maxSeq ?? null, opts.limit + 1, opts.newAfter ?? null],
  );
  const found = rows.filter((r) => r.mid !== null);
  return {
    changes: found.slice(0, opts.limit).map((r) => ({
      msg: rowToView(r as MessageRow),
      fresh: Number(r.created_ver) > opts.after,
    })),
    ver: rows[0] ? Number(rows[0].conv_ver) : 0,
    more: found.length > opts.limit,
  };
}
