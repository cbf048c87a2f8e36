import type { Attachment, MessageView } from '@natter/protocol';
import pg from 'pg';

/** The columns every message query selects, in MessageRow's shape. */
export const MESSAGE_COLUMNS = 'conv, seq, mid, sender, cid, ts, text, attachments';

export interface MessageRow {
  conv: string;
  /** bigint arrives as a string. */
  seq: string;
  mid: string;
  sender: string;
  cid: string;
  ts: Date;
  text: string | null;
  attachments: Attachment[] | null;
}

export function rowToView(r: MessageRow): MessageView {
  const view: MessageView = {
    conv: r.conv,
    seq: Number(r.seq),
    mid: r.mid,
    from: r.sender,
    ts: r.ts.toISOString(),
    cid: r.cid,
  };
  if (r.text !== null) view.text = r.text;
  if (r.attachments !== null) view.attachments = r.attachments;
  return view;
}

/**
 * True when Postgres rejected a statement for what it contained (bad data, a constraint, a
 * deadlock): retrying the batch's messages one by one isolates the culprit. False for a lost
 * connection or a server going away, where one-by-one would only fail 200 times slower.
 */
export function isStatementError(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError) || typeof err.code !== 'string') return false;
  return !['08', '53', '57', '58', 'XX'].includes(err.code.slice(0, 2));
}

export function isUniqueViolation(err: unknown, constraint: string): boolean {
  return err instanceof pg.DatabaseError && err.code === '23505' && err.constraint === constraint;
}
