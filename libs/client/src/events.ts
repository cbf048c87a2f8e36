import type { ChangeEvent, HelloResult, MessageView, PresenceView } from '@natter/protocol';
import type { NatterClientError } from './errors.ts';
import type { QueuedOp } from './outbox.ts';
import type { Target } from './targets.ts';
import type { ThreadEvent } from './threads.ts';

/**
 * `connecting`: before the first successful hello; `open`: a session is live;
 * `reconnecting`: the connection dropped and the client is getting a new one;
 * `closed`: not connected and not trying (before `connect()`, after `close()`, or after
 * an error that retrying cannot fix).
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Messages between `after` and `before` (both exclusive) that replay did not push; page them with `history`. */
export interface GapEvent {
  conv: string;
  after: number;
  before: number;
}

export interface MembershipEvent {
  room: string;
  user: string;
}

/** You were invited into `room` by `by` (1.1); `invites()` lists the ones not yet used. */
export interface InvitedEvent {
  room: string;
  by: string;
  private: boolean;
}

export interface TypingEvent {
  conv: string;
  user: string;
}

export interface ReadEvent {
  conv: string;
  user: string;
  seq: number;
}

/** The other user of a DM has the conversation up to `seq` on a device (not necessarily read). */
export type ReceivedEvent = ReadEvent;

export interface ByeEvent {
  reason: string;
  reconnect: boolean;
  /** Spread the reconnect uniformly over this many ms (a draining gateway's many clients). */
  spreadMs?: number;
}

/** A connection ended; `reconnectInMs` is absent when the client will not reconnect. */
export interface DisconnectEvent {
  code: number;
  reason: string;
  reconnectInMs?: number;
}

/** A change in the outbox of sends and message changes that have no result yet. */
export interface OutboxEvent {
  change: 'queued' | 'retrying' | 'sent' | 'failed';
  /** What is queued: a `send`, or a change of a message (1.1). */
  op: QueuedOp;
  /** A send's target (`room:x`, `user:x`, `thread:...`); a change's conversation. */
  to: Target | string;
  /** A send's cid; for a change, an id the SDK made for it. */
  cid: string;
  /** Jobs still without a result, after this change. */
  pending: number;
  /** Why the send is retried (`retrying`) or given up (`failed`). */
  error?: NatterClientError;
}

/** Every event a NatterClient emits, with its payload. */
export interface ClientEvents {
  /** A new message, each `seq` once and in order per conversation (duplicates after a reconnect are dropped). */
  message: MessageView;
  gap: GapEvent;
  /**
   * A change of a stored message (protocol 1.1: `edit`, `delete`, `reaction`, `pin`,
   * `thread`, or `update` with its whole state), in `ver` order per conversation. Apply it only if its
   * `ver` is above the `ver` of the message you have.
   */
  change: ChangeEvent;
  /**
   * A thread root's summary changed (a reply in `thread:<conv>:<seq>`): `conv` and `seq` name
   * the root. Also a `change` (the store applies it to the root), in the parent's `ver` order.
   */
  thread: ThreadEvent;
  /** Too much changed while away: re-read the history you show of `conv`. */
  refetch: { conv: string; ver: number };
  /** Replay after a (re)connect is complete: the client is up to date. */
  synced: undefined;
  joined: MembershipEvent;
  left: MembershipEvent;
  invited: InvitedEvent;
  presence: PresenceView;
  typing: TypingEvent;
  read: ReadEvent;
  /** DMs only: the other user's delivery marker moved (a `read` implies it too). */
  received: ReceivedEvent;
  /** The server is about to close the connection; the client reconnects if `reconnect`. */
  bye: ByeEvent;
  /** A server `error` event (a failed request without id) or a failure of the SDK's own work (token hook, refresh, giving up). */
  error: NatterClientError;
  state: ConnectionState;
  outbox: OutboxEvent;
  /** Every successful hello, the first and each reconnect's (fresh `convs`). */
  hello: HelloResult;
  /** A connection ended. */
  disconnect: DisconnectEvent;
  /** The HTTP credential changed (a hello or a refresh): `client.token`. */
  token: string;
}
