/**
 * The frames of docs/protocol.md as TypeScript types: what a request carries (`Requests`)
 * and what it answers (`Results`), one entry per op. Types only, so that clients can take
 * them without loading zod; the gateway's runtime schemas are in `@natter/protocol/schemas`,
 * which the type checker keeps in step with `Requests`.
 */

/** An attachment as a message carries it (docs/protocol.md, "Attachments"). */
export interface Attachment {
  url: string;
  type: string;
  name: string;
  size: number;
  width?: number;
  height?: number;
  duration?: number;
}

/**
 * Each op's params as the gateway's schema accepts them. Ids here are only shaped like
 * `room:`/`user:`/`dm:`; the gateway parses them with parseTarget/parseConv. `send`'s
 * content is checked after parsing (checkContent), so that its limits answer `too_large`.
 */
export interface Requests {
  hello: { token?: string; user?: string; device?: string; since?: Record<string, Since> };
  refresh: { token: string };
  send: { to: string; cid: string; text?: string; attachments?: unknown[]; reply?: number };
  edit: { conv: string; seq: number; text: string };
  delete: { conv: string; seq: number };
  react: { conv: string; seq: number; emoji: string };
  unreact: { conv: string; seq: number; emoji: string };
  pin: { conv: string; seq: number };
  unpin: { conv: string; seq: number };
  pins: { conv: string };
  join: { room: string };
  create: { room: string; private?: boolean };
  invite: { room: string; user: string };
  invites: Record<string, never>;
  decline: { room: string };
  leave: { room: string };
  rooms: { public?: boolean; prefix?: string; limit?: number };
  members: { room: string };
  history: { conv: string; before?: number; after?: number; limit?: number };
  watch: { users: string[] };
  unwatch: { users: string[] };
  typing: { to: string };
  read: { conv: string; seq: number };
  received: { conv: string; seq: number };
  receipts: { conv: string; seq: number };
  notify: { conv: string; level: NotifyLevel; until?: string };
  'push.register': PushRegistration;
  'push.unregister': { device: string };
  ping: Record<string, never>;
}

/** A user's notification level of one conversation (1.1 "Notification level"). */
export type NotifyLevel = 'all' | 'mentions' | 'none';

/** The level of a user who chose none: `all` for DMs (and their threads), `mentions` for rooms. */
export function defaultNotifyLevel(conv: string): NotifyLevel {
  return conv.startsWith('dm:') || conv.startsWith('thread:dm:') ? 'all' : 'mentions';
}

/** A device to push to (1.1 "Push to offline devices"): a Web Push subscription or a native token. */
export type PushRegistration =
  | { provider: 'webpush'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { provider: 'fcm' | 'apns'; token: string };

export type Op = keyof Requests;
export type RequestParams<O extends Op> = Requests[O];

/** Every op once: `satisfies` fails on a missing or an extra one. */
const OP_SET = {
  hello: true,
  refresh: true,
  send: true,
  edit: true,
  delete: true,
  react: true,
  unreact: true,
  pin: true,
  unpin: true,
  pins: true,
  join: true,
  create: true,
  invite: true,
  invites: true,
  decline: true,
  leave: true,
  rooms: true,
  members: true,
  history: true,
  watch: true,
  unwatch: true,
  typing: true,
  read: true,
  received: true,
  receipts: true,
  notify: true,
  'push.register': true,
  'push.unregister': true,
  ping: true,
} as const satisfies Record<Op, true>;
export const OPS = Object.keys(OP_SET) as Op[];

export function isOp(op: string): op is Op {
  return Object.hasOwn(OP_SET, op);
}

/**
 * Where a client stands in one conversation, for `hello`'s `since`: a `seq` (version 1:
 * replays the messages after it) or `{seq, ver}` (also replays the changes after `ver`).
 */
export type Since = number | { seq: number; ver: number };

// ---- results and events (server to client) ----

/** One emoji's reactions on a message: `users` are the first reactors, at most REACTION_USERS. */
export interface ReactionView {
  emoji: string;
  count: number;
  users: string[];
}

/** What a reply carries of the message it answers (as of sending; emptied when that is deleted). */
export interface ReplyView {
  seq: number;
  from: string;
  preview: string;
}

/**
 * A stored message as clients see it (`message` events and `history` results), in its
 * current state: `ver` is the conversation's version of that state (PROTOCOL 1.1). A
 * tombstone keeps `conv`, `seq`, `mid`, `from`, `ts`, `ver` and carries `deleted`.
 */
export interface MessageView {
  conv: string;
  seq: number;
  mid: string;
  from: string;
  ts: string;
  ver: number;
  text?: string;
  attachments?: Attachment[];
  cid?: string;
  reply?: ReplyView;
  mentions?: string[];
  edited?: string;
  deleted?: string;
  reactions?: ReactionView[];
  pinned?: { by: string; ts: string };
  /** A thread root's summary (1.1 "Threads"). */
  thread?: ThreadSummary;
}

/** What a thread root carries of its thread: replies, the last one's time, up to 10 writers. */
export interface ThreadSummary {
  replies: number;
  last: string;
  users: string[];
}

/** The other user's markers of a DM (protocol 1.1 "Receipts"): how far they have it and have read it. */
export interface PeerMarkers {
  received: number;
  read: number;
}

export interface ConvSummary {
  conv: string;
  seq: number;
  /** The conversation's latest `ver` (0 when it has no messages). */
  ver: number;
  read: number;
  /** Messages past `read` that mention the user (1.1); absent when none. */
  mentions?: number;
  /** DM entries only. */
  peer?: PeerMarkers;
  /** The user's notify level in force (1.1): theirs if chosen, else the default (defaultNotifyLevel). */
  notify?: NotifyLevel;
}

export interface SendResult {
  conv: string;
  seq: number;
  mid: string;
  ts: string;
  /** The new message's `ver` (1.1). */
  ver?: number;
}

/** A change of a message, live (PROTOCOL 1.1 "Message lifecycle"), as members receive it. */
export type ChangeEvent =
  | {
      ev: 'edit';
      conv: string;
      seq: number;
      ver: number;
      text: string;
      edited: string;
      by: string;
      mentions?: string[];
    }
  | { ev: 'delete'; conv: string; seq: number; ver: number; by?: string }
  | { ev: 'reaction'; conv: string; seq: number; ver: number; user: string; emoji: string; on: boolean }
  | { ev: 'pin'; conv: string; seq: number; ver: number; on: boolean; by: string }
  /** The root `seq` of `conv` has a new thread summary (a reply in `thread:<conv>:<seq>`). */
  | ({ ev: 'thread'; conv: string; seq: number; ver: number } & ThreadSummary)
  /** A message's whole current state (replays, repaired gaps). */
  | { ev: 'update'; conv: string; seq: number; ver: number; message: MessageView };

export interface EditResult {
  conv: string;
  seq: number;
  ver: number;
  edited: string;
}

/** `delete`'s result; `{}` for a message that was already a tombstone. */
export type DeleteResult = { conv: string; seq: number; ver: number } | EmptyResult;

export interface HelloResult {
  user: string;
  session: string;
  gateway: string;
  heartbeat: number;
  token: string;
  convs: ConvSummary[];
}

export interface HistoryResult {
  messages: MessageView[];
  more: boolean;
}

export interface PresenceView {
  user: string;
  online: boolean;
  lastSeen?: string;
}

export interface RoomView {
  room: string;
  seq: number;
  members: number;
  private: boolean;
  /** The caller's role in a room of their own list (1.1; the creator is `owner` until roles land). */
  role?: 'owner' | 'admin' | 'member';
}

/** An unused invitation of the caller (1.1 "Invitations"): into `room`, by `by`, at `ts`. */
export interface InviteView {
  room: string;
  by: string;
  ts: string;
}

export type ServerEvent =
  | ({ ev: 'message' } & MessageView)
  | ChangeEvent
  | { ev: 'refetch'; conv: string; ver: number }
  | { ev: 'gap'; conv: string; after: number; before: number }
  | { ev: 'synced' }
  | { ev: 'joined'; room: string; user: string }
  | { ev: 'left'; room: string; user: string }
  /** The user was invited into `room` (1.1); `private`: whether the room is private. */
  | { ev: 'invited'; room: string; by: string; private: boolean }
  | ({ ev: 'presence' } & PresenceView)
  | { ev: 'typing'; conv: string; user: string }
  | { ev: 'read'; conv: string; user: string; seq: number }
  | { ev: 'received'; conv: string; user: string; seq: number }
  /** `spreadMs`: spread the reconnect uniformly over this many ms (a draining gateway's many clients). */
  | { ev: 'bye'; reason: string; reconnect: boolean; spreadMs?: number }
  | { ev: 'error'; op: string; error: { code: string; message: string; retryAfter?: number } };

/** `join`'s result (and `create`'s, which answers like `join`): the room and its latest seq. */
export interface JoinResult {
  room: string;
  seq: number;
}

/** `receipts`: the members whose markers are at or past the asked `seq` (at most RECEIPTS_MAX each). */
export interface ReceiptsResult {
  read: string[];
  received: string[];
}

/** `{}`: the result of requests that answer nothing but success. */
export type EmptyResult = Record<string, never>;

/**
 * What react, unreact, pin and unpin answer: the conversation's ver after the request, and
 * `changed: false` when it changed nothing (then `ver` is the current one, possibly someone
 * else's change; not the caller's own).
 */
export interface VerResult {
  ver: number;
  changed?: false;
}

/** What each op answers (docs/protocol.md, "Session" and "Requests"). */
export interface Results {
  hello: HelloResult;
  refresh: EmptyResult;
  send: SendResult;
  edit: EditResult;
  delete: DeleteResult;
  react: VerResult;
  unreact: VerResult;
  pin: VerResult;
  unpin: VerResult;
  pins: { pins: MessageView[] };
  join: JoinResult;
  create: JoinResult;
  invite: EmptyResult;
  invites: { invites: InviteView[] };
  decline: EmptyResult;
  leave: EmptyResult;
  rooms: { rooms: RoomView[] };
  members: { members: PresenceView[] };
  history: HistoryResult;
  watch: { presence: PresenceView[] };
  unwatch: EmptyResult;
  typing: EmptyResult;
  read: EmptyResult;
  received: EmptyResult;
  receipts: ReceiptsResult;
  notify: EmptyResult;
  'push.register': { device: string };
  'push.unregister': EmptyResult;
  ping: EmptyResult;
}
