import type { Attachment, ConvSummary, MessageView } from '@natter/protocol';

/** A message to store. `conv` is a well-formed conversation id the caller has authorized. */
export interface AppendInput {
  conv: string;
  from: string;
  cid: string;
  text?: string;
  attachments?: Attachment[];
}

export interface AppendResult {
  /** The stored message: the new one, or on a repeat the first one stored for (from, cid). */
  stored: MessageView;
  /** True when (from, cid) was already stored: nothing new was stored. */
  duplicate: boolean;
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
 * - `query` pages through one conversation (see QueryOptions); `before` and `after` may be
 *   combined (seq strictly between them, oldest first from `after`). Unknown conversations
 *   give an empty page.
 * - `convs` lists, sorted by conv, every given room (`room:<r>`, seq 0 when it has no
 *   messages) and, when `dms`, every `dm:` conversation with at least one message that the
 *   user is one of the two users of; each with the latest seq and the user's read marker
 *   (0 when none).
 * - `positions` is the latest seq of each given room and of every DM of each given user,
 *   only for conversations with at least one message, in no particular order.
 * - `markRead` stores the user's read marker, clamped to the conversation's latest seq; it
 *   never moves back. It resolves with the marker after the update.
 * - `latestSeq` is the conversation's latest seq (0 when it has none).
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
  query(conv: string, opts: QueryOptions): Promise<QueryResult>;
  convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]>;
  /** `convs` of each item, in order, each for its own user only, from one snapshot. */
  convsMany(items: ConvsQuery[]): Promise<ConvSummary[][]>;
  positions(users: string[], rooms: string[]): Promise<{ conv: string; seq: number }[]>;
  markRead(user: string, conv: string, seq: number): Promise<number>;
  latestSeq(conv: string): Promise<number>;
  ping(): Promise<void>;
}
