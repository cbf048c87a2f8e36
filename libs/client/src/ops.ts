import type {
  Attachment,
  HelloResult,
  HistoryResult,
  PresenceView,
  RoomView,
  SendResult,
} from '@natter/protocol';
import type { Target } from './targets.ts';

/** `join`'s result: the room and its latest seq. */
export interface JoinResult {
  room: string;
  seq: number;
}

/** `create`'s result. PROTOCOL.md does not spell it out; the room name is all a client can count on. */
export interface CreateResult {
  room: string;
}

/** One member of a room, as `members` returns it. */
export interface MemberView {
  user: string;
  online: boolean;
}

/** What a message carries: text, attachments, or both (at least one). */
export interface SendBody {
  text?: string;
  attachments?: Attachment[];
  /** Your own id for this send (1-64 chars); generated when absent. Retries reuse it. */
  cid?: string;
}

export interface HistoryOptions {
  /** Only seqs below this (absent: the newest page). */
  before?: number;
  /** Only seqs above this, oldest first from there. */
  after?: number;
  /** 1-200, default 50. */
  limit?: number;
}

export interface RoomsOptions {
  /** List public rooms instead of the user's own. */
  public?: boolean;
  prefix?: string;
  limit?: number;
}

/** `{}`: the result of requests that answer nothing but success. */
export type EmptyResult = Record<string, never>;

/** Every request op with its params and result (PROTOCOL.md, "Session" and "Requests"). */
export interface Ops {
  hello: [{ token?: string; user?: string; device?: string; since?: Record<string, number> }, HelloResult];
  refresh: [{ token: string }, EmptyResult];
  send: [{ to: Target; cid: string; text?: string; attachments?: Attachment[] }, SendResult];
  join: [{ room: string }, JoinResult];
  create: [{ room: string; private?: boolean }, CreateResult];
  invite: [{ room: string; user: string }, EmptyResult];
  leave: [{ room: string }, EmptyResult];
  rooms: [RoomsOptions, { rooms: RoomView[] }];
  members: [{ room: string }, { members: MemberView[] }];
  history: [{ conv: string } & HistoryOptions, HistoryResult];
  watch: [{ users: string[] }, { presence: PresenceView[] }];
  unwatch: [{ users: string[] }, EmptyResult];
  typing: [{ to: Target }, EmptyResult];
  read: [{ conv: string; seq: number }, EmptyResult];
  ping: [EmptyResult, EmptyResult];
}

export type OpName = keyof Ops;
export type OpParams<O extends OpName> = Ops[O][0];
export type OpResult<O extends OpName> = Ops[O][1];
