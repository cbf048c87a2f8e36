import type {
  Attachment,
  EmptyResult,
  JoinResult,
  Op,
  PresenceView,
  ReceiptsResult,
  Requests,
  Results,
} from '@natter/protocol';
import type { Target } from './targets.ts';

export type { EmptyResult, JoinResult, ReceiptsResult };

/** `create`'s result: it answers like `join`. */
export type CreateResult = Results['create'];

/** One member of a room, as `members` returns it. */
export type MemberView = PresenceView;

/** What a message carries: text, attachments, or both (at least one). */
export interface SendBody {
  text?: string;
  attachments?: Attachment[];
  /** The `seq` of the message of the same conversation this one answers (protocol 1.1). */
  reply?: number;
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

/**
 * Each op's params as the SDK takes them: narrower than what the server accepts (typed
 * targets and attachments).
 */
interface Params {
  hello: Requests['hello'];
  refresh: { token: string };
  send: { to: Target; cid: string; text?: string; attachments?: Attachment[]; reply?: number };
  // The lifecycle ops (1.1) take exactly what the server takes.
  edit: Requests['edit'];
  delete: Requests['delete'];
  react: Requests['react'];
  unreact: Requests['unreact'];
  pin: Requests['pin'];
  unpin: Requests['unpin'];
  pins: Requests['pins'];
  join: { room: string };
  create: { room: string; private?: boolean };
  invite: { room: string; user: string };
  invites: EmptyResult;
  decline: { room: string };
  leave: { room: string };
  rooms: RoomsOptions;
  members: { room: string };
  history: { conv: string } & HistoryOptions;
  watch: { users: string[] };
  unwatch: { users: string[] };
  typing: { to: Target };
  read: { conv: string; seq: number };
  received: { conv: string; seq: number };
  receipts: { conv: string; seq: number };
  notify: Requests['notify'];
  'push.register': Requests['push.register'];
  'push.unregister': Requests['push.unregister'];
  ping: EmptyResult;
}

/**
 * Every request op with its params and result (PROTOCOL.md, "Session" and "Requests"); the
 * results are @natter/protocol's, the table the gateway's handlers answer with.
 */
export type Ops = { [O in Op]: [Params[O], Results[O]] };

export type OpName = Op;
export type OpParams<O extends OpName> = Params[O];
export type OpResult<O extends OpName> = Results[O];
