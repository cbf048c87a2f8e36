import type { ChangeOp, RawJson } from '@natter/contracts';
import type {
  Attachment,
  ConvSummary,
  MessageView,
  ReceiptsResult,
  ReplyView,
  ThreadSummary,
} from '@natter/protocol';

/** A message to store. `conv` is a well-formed conversation id the caller has authorized. */
export interface AppendInput {
  conv: string;
  from: string;
  cid: string;
  text?: string;
  attachments?: Attachment[];
  reply?: ReplyView;
  mentions?: string[];
  /**
   * Set when `conv` is a thread (`thread:<parent>:<seq>`): the append also updates the root's
   * summary, with the parent's next ver, in the same transaction; no root is `not_found`.
   */
  thread?: { parent: string; seq: number };
}

/** A thread root's new summary, after a message appended to its thread. */
export interface RootChange {
  conv: string;
  seq: number;
  ver: number;
  thread: ThreadSummary;
}

/** A change of one stored message by `user` (the caller has checked membership). */
export type ChangeInput = {
  conv: string;
  seq: number;
  user: string;
  /**
   * Called with the message's current state under its lock, before anything changes:
   * throws the NatterError that refuses the change (not the author, past the edit window).
   */
  check(msg: MessageView): void;
} & (Exclude<ChangeOp, { op: 'edit' }> | { op: 'edit'; text: string; mentions: string[] });

export interface ChangeResult {
  /** The change's `ver`; for a change that changed nothing, the message's current one. */
  ver: number;
  changed: boolean;
  /** The message after the change (a tombstone after a delete). */
  msg: MessageView;
  /** A delete of what was already a tombstone. */
  gone?: boolean;
  /** What a delete removed (its uploads are deleted when nothing else references them). */
  attachments?: Attachment[];
}

/** See ChangesRequest (libs/contracts). */
export interface ChangesOptions {
  after: number;
  maxSeq?: number;
  newAfter?: number;
  limit: number;
}

export interface ChangesResult {
  changes: { msg: MessageView; fresh: boolean }[];
  /** The conversation's latest ver, in the same snapshot as `changes`. */
  ver: number;
  more: boolean;
}

export interface AppendResult {
  /** The stored message: the new one, or on a repeat the first one stored for (from, cid). */
  stored: MessageView;
  /** True when (from, cid) was already stored: nothing new was stored. */
  duplicate: boolean;
  /** For a new message of a thread: its root's new state. */
  root?: RootChange;
}

export interface QueryOptions {
  /** Only messages with seq below this (the page just below it). */
  before?: number;
  /** Only messages with seq above this, oldest first from there. */
  after?: number;
  /** 1..200; the caller clamps it. */
  limit: number;
}

export interface QueryResult {
  /** Oldest first. */
  messages: MessageView[];
  /** True when more messages lie beyond the page in the direction of paging (older for
   * `before` or the newest page, newer for `after`). */
  more: boolean;
}

/**
 * The record of every conversation: the sequencer behind `send` and the source of
 * `history`. Contract (test/store-contract.ts runs it against every implementation):
 *
 * - `append` assigns the conversation's next `seq` (1, 2, 3, ... with no gap and no reuse,
 *   also under any number of concurrent appends from any number of store instances on one
 *   database), a `mid` (`m_` + ULID, unique across the system) and `ts` (RFC 3339 UTC, ms).
 *   It resolves only once the message is durable (for Postgres: after COMMIT). It is
 *   idempotent on (from, cid) across all conversations: a repeat resolves with the first
 *   stored message and `duplicate: true`, and stores nothing. A rejection means nothing was
 *   stored for that call (a retry with the same cid is always safe). The stored message
 *   carries `cid` so the sender's sessions can match it to their send. In the same
 *   transaction the sender's read marker moves up to the new message (one has read what
 *   one wrote; it never moves back).
 * - An append to a thread (`thread`) fails with `not_found` when the parent has no message
 *   `thread.seq`; otherwise the root's summary (`replies`, `last`, the first 10 `users`) and
 *   `ver` (the parent's next) change with it, atomically, and the sender and the users it
 *   mentions become the thread's members for `convs`. A repeat changes no summary.
 * - `query` pages through one conversation (see QueryOptions); `before` and `after` may be
 *   combined (seq strictly between them, oldest first from `after`). Unknown conversations
 *   give an empty page.
 * - `convs` lists, sorted by conv, every given room (`room:<r>`, seq 0 when it has no
 *   messages) and, when `dms`, every `dm:` conversation with at least one message that the
 *   user is one of the two users of, and every thread the user wrote or was mentioned in
 *   (a room's only when the room is given); each with the latest seq and the user's read
 *   marker (0 when none). Each `dm:` entry carries `peer`: the other user's markers (the
 *   user's own for a DM with oneself), `received` being at least `read`.
 * - `positions` is the latest seq of each given room and of every DM of each given user,
 *   only for conversations with at least one message, in no particular order.
 * - `markRead` stores the user's read marker, clamped to the conversation's latest seq; it
 *   never moves back. It resolves with the marker after the update.
 * - `markReceived` stores the user's delivery marker, clamped like `markRead`; it never
 *   moves back, and a user has received what they read (every reader of the marker takes
 *   the greater of the two, so `markRead` need not write it). It resolves with the marker
 *   after the update if this call moved it past both markers, else undefined. Writes may
 *   be batched: it resolves after the write is durable.
 * - `receipts` lists, of `members`, the users whose read marker (`read`) and delivery
 *   marker (`received`, at least the read marker) are at or past `seq`: each sorted by
 *   user id in byte order, at most `limit` each.
 * - `markersOf` is each given user's markers of `conv`, in the order given: `read`, and
 *   `received` (at least `read`); 0 for a user without any.
 * - `latestSeq` is the conversation's latest seq (0 when it has none).
 * - `ver` (PROTOCOL 1.1): every append and every change that changes something takes the
 *   conversation's next `ver`, in one order with its appends (a new message takes the next
 *   seq and the next ver); a message carries the ver of its latest state.
 * - `change` edits, deletes, reacts, unreacts, pins or unpins one message, atomically with
 *   its ver, after `check` passed: `not_found` for no such message, or for edit, react,
 *   unreact and pin of a tombstone; `too_large` for a 21st emoji or a 51st pin. A change
 *   that changes nothing (same text, a second react, unpin of what is not pinned) stores
 *   nothing and answers the current ver with `changed: false`; an edit repeated with the
 *   text it set answers that edit's ver. A delete removes text, attachments, reply,
 *   mentions, reactions and pin and empties the previews of the replies to it.
 * - `changes` is the current state of each message whose ver is above `after`, in ver
 *   order, with the conversation's latest ver of the same snapshot.
 * - `ping` resolves when the backend answers (health checks), else rejects with its error.
 * - Backend errors reject with the backend's error (the service maps connection errors to
 *   `unavailable`); no method retries on its own.
 */
/** One user's `convs` question. */
export interface ConvsQuery {
  user: string;
  rooms: string[];
  dms: boolean;
}

export interface MessageStore {
  append(msg: AppendInput): Promise<AppendResult>;
  /** One message's current state, or undefined. */
  message(conv: string, seq: number): Promise<MessageView | undefined>;
  change(input: ChangeInput): Promise<ChangeResult>;
  changes(conv: string, opts: ChangesOptions): Promise<ChangesResult>;
  /** The pinned messages of `conv`, newest pin first. */
  pins(conv: string): Promise<MessageView[]>;
  query(conv: string, opts: QueryOptions): Promise<QueryResult>;
  /**
   * `query` as the JSON text of its QueryResult, with how many messages it holds, where the
   * store can write it cheaper than JSON.stringify of `query` (the Postgres store splices its
   * jsonb columns in as Postgres wrote them).
   */
  queryJson?(conv: string, opts: QueryOptions): Promise<{ count: number; json: RawJson<QueryResult> }>;
  convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]>;
  /** `convs` of each item, in order, each for its own user only, from one snapshot. */
  convsMany(items: ConvsQuery[]): Promise<ConvSummary[][]>;
  positions(users: string[], rooms: string[]): Promise<{ conv: string; seq: number; ver: number }[]>;
  markRead(user: string, conv: string, seq: number): Promise<number>;
  markReceived(user: string, conv: string, seq: number): Promise<number | undefined>;
  receipts(conv: string, seq: number, members: string[], limit: number): Promise<ReceiptsResult>;
  markersOf(conv: string, users: string[]): Promise<{ read: number; received: number }[]>;
  latestSeq(conv: string): Promise<number>;
  ping(): Promise<void>;
}
