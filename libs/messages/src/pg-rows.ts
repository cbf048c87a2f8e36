import type { Attachment, MessageView, ReactionView, ReplyView, ThreadSummary } from '@natter/protocol';
import pg from 'pg';

const COLUMNS = [
  'conv',
  'seq',
  'mid',
  'sender',
  'cid',
  'ts',
  'text',
  'attachments',
  'ver',
  'edited',
  'deleted',
  'reply',
  'mentions',
  'reactions',
  'pinned_at',
  'pinned_by',
  'thread',
];

/** The columns every message query selects, in MessageRow's shape; `alias.` before each with one. */
export function messageColumns(alias?: string): string {
  return alias ? COLUMNS.map((c) => `${alias}.${c}`).join(', ') : COLUMNS.join(', ');
}
export const MESSAGE_COLUMNS = messageColumns();

/** The jsonb columns, which `MESSAGE_COLUMNS_AS_TEXT` selects as Postgres' JSON text. */
const JSON_COLUMNS = ['attachments', 'reply', 'mentions', 'reactions', 'thread'] as const;
/** MESSAGE_COLUMNS with the jsonb ones as text, for `rowToJson`. */
export const MESSAGE_COLUMNS_AS_TEXT = COLUMNS.map((c) =>
  (JSON_COLUMNS as readonly string[]).includes(c) ? `${c}::text AS ${c}` : c,
).join(', ');

type JsonColumn = (typeof JSON_COLUMNS)[number];
export type MessageTextRow = Omit<MessageRow, JsonColumn> & Record<JsonColumn, string | null>;

const NO_JSON = { attachments: null, reply: null, mentions: null, reactions: null, thread: null };
/** What rowToView leaves out: a JSON null, and an empty list of mentions or reactions. */
const absent = (c: JsonColumn, v: string) =>
  v === 'null' || (v === '[]' && (c === 'mentions' || c === 'reactions'));

/**
 * The JSON text of `rowToView` of the row, with the jsonb columns spliced in as Postgres wrote
 * them: a decorated message's reactions, thread summary and reply preview are most of its
 * bytes, and parsing them only to encode them again was most of a page's cost in history.
 */
export function rowToJson(r: MessageTextRow): string {
  const base = JSON.stringify(rowToView({ ...r, ...NO_JSON }));
  let extra = '';
  for (const c of JSON_COLUMNS) {
    const v = r[c];
    if (v !== null && !absent(c, v)) extra += `,"${c}":${v}`;
  }
  return extra ? `${base.slice(0, -1)}${extra}}` : base;
}

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
  ver: string;
  edited: Date | null;
  deleted: Date | null;
  reply: ReplyView | null;
  mentions: string[] | null;
  reactions: ReactionView[] | null;
  pinned_at: Date | null;
  pinned_by: string | null;
  thread: ThreadSummary | null;
}

export function rowToView(r: MessageRow): MessageView {
  const view: MessageView = {
    conv: r.conv,
    seq: Number(r.seq),
    mid: r.mid,
    from: r.sender,
    ts: r.ts.toISOString(),
    ver: Number(r.ver),
    cid: r.cid,
  };
  if (r.text !== null) view.text = r.text;
  if (r.attachments !== null) view.attachments = r.attachments;
  if (r.reply !== null) view.reply = r.reply;
  if (r.mentions?.length) view.mentions = r.mentions;
  if (r.edited !== null) view.edited = r.edited.toISOString();
  if (r.deleted !== null) view.deleted = r.deleted.toISOString();
  if (r.reactions?.length) view.reactions = r.reactions;
  if (r.pinned_at !== null && r.pinned_by !== null) {
    view.pinned = { by: r.pinned_by, ts: r.pinned_at.toISOString() };
  }
  if (r.thread !== null) view.thread = r.thread;
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
