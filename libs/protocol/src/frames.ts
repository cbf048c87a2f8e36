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
  hello: { token?: string; user?: string; device?: string; since?: Record<string, number> };
  refresh: { token: string };
  send: { to: string; cid: string; text?: string; attachments?: unknown[] };
  join: { room: string };
  create: { room: string; private?: boolean };
  invite: { room: string; user: string };
  leave: { room: string };
  rooms: { public?: boolean; prefix?: string; limit?: number };
  members: { room: string };
  history: { conv: string; before?: number; after?: number; limit?: number };
  watch: { users: string[] };
  unwatch: { users: string[] };
  typing: { to: string };
  read: { conv: string; seq: number };
  ping: Record<string, never>;
}

export type Op = keyof Requests;
export type RequestParams<O extends Op> = Requests[O];

/** Every op once: `satisfies` fails on a missing or an extra one. */
const OP_SET = {
  hello: true,
  refresh: true,
  send: true,
  join: true,
  create: true,
  invite: true,
  leave: true,
  rooms: true,
  members: true,
  history: true,
  watch: true,
  unwatch: true,
  typing: true,
  read: true,
  ping: true,
} as const satisfies Record<Op, true>;
export const OPS = Object.keys(OP_SET) as Op[];

export function isOp(op: string): op is Op {
  return Object.hasOwn(OP_SET, op);
}

// ---- results and events (server to client) ----

/** A stored message as clients see it (`message` events and `history` results). */
export interface MessageView {
  conv: string;
  seq: number;
  mid: string;
  from: string;
  ts: string;
  text?: string;
  attachments?: Attachment[];
  cid?: string;
}

export interface ConvSummary {
  conv: string;
  seq: number;
  read: number;
}

export interface SendResult {
  conv: string;
  seq: number;
  mid: string;
  ts: string;
}

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
}

export type ServerEvent =
  | ({ ev: 'message' } & MessageView)
  | { ev: 'gap'; conv: string; after: number; before: number }
  | { ev: 'synced' }
  | { ev: 'joined'; room: string; user: string }
  | { ev: 'left'; room: string; user: string }
  | ({ ev: 'presence' } & PresenceView)
  | { ev: 'typing'; conv: string; user: string }
  | { ev: 'read'; conv: string; user: string; seq: number }
  /** `spreadMs`: spread the reconnect uniformly over this many ms (a draining gateway's many clients). */
  | { ev: 'bye'; reason: string; reconnect: boolean; spreadMs?: number }
  | { ev: 'error'; op: string; error: { code: string; message: string; retryAfter?: number } };

/** `join`'s result (and `create`'s, which answers like `join`): the room and its latest seq. */
export interface JoinResult {
  room: string;
  seq: number;
}

/** `{}`: the result of requests that answer nothing but success. */
export type EmptyResult = Record<string, never>;

/** What each op answers (docs/protocol.md, "Session" and "Requests"). */
export interface Results {
  hello: HelloResult;
  refresh: EmptyResult;
  send: SendResult;
  join: JoinResult;
  create: JoinResult;
  invite: EmptyResult;
  leave: EmptyResult;
  rooms: { rooms: RoomView[] };
  members: { members: PresenceView[] };
  history: HistoryResult;
  watch: { presence: PresenceView[] };
  unwatch: EmptyResult;
  typing: EmptyResult;
  read: EmptyResult;
  ping: EmptyResult;
}
