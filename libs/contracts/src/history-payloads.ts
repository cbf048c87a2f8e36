import type {
  Attachment,
  ConvSummary,
  HistoryResult,
  MessageView,
  ReceiptsResult,
  SendResult,
} from '@natter/protocol';
import type { Origin } from './delivery-payloads.ts';
import type { PayloadVersion } from './events.ts';

/** Most items one `historyConvsMany` may carry. */
export const MAX_CONVS_BATCH = 500;

export interface SendRequest {
  v: PayloadVersion;
  from: string;
  /** `room:<room>` or `user:<user>`, already validated. */
  to: string;
  cid: string;
  text?: string;
  attachments?: Attachment[];
  /** The `seq` of the message of the same conversation this one answers. */
  reply?: number;
  origin?: Origin;
  /** Server API (POST /v1/messages): no membership check. */
  system?: boolean;
}
export type SendReply = SendResult & { ver: number; duplicate?: boolean };

/** A change of one stored message (PROTOCOL 1.1 "Message lifecycle"), by `user`. */
export type ChangeOp =
  | { op: 'edit'; text: string }
  | { op: 'delete' }
  | { op: 'react' | 'unreact'; emoji: string }
  | { op: 'pin' | 'unpin' };

export type ChangeRequest = {
  v: PayloadVersion;
  user: string;
  conv: string;
  seq: number;
  origin?: Origin;
} & ChangeOp;

/**
 * Answered after the commit. `ver`: the change's version, or for a change that changed
 * nothing the message's current one (`changed: false`: no event was sent). `edited` for an
 * edit; a delete of a tombstone answers `{ ver: 0, changed: false, gone: true }`.
 */
export interface ChangeReply {
  ver: number;
  changed: boolean;
  edited?: string;
  gone?: boolean;
}

/**
 * The current state of every message of `conv` whose `ver` is above `after`, in `ver`
 * order (at most `limit`, 1..500); with `maxSeq`, only those with `seq` at most `maxSeq` or
 * above `newAfter` (the `since` replay: changes of what the client has, and the newest
 * messages it has not; none above when `newAfter` is absent). `ver` is the
 * conversation's latest in the same snapshot: once a page comes back with `more: false`,
 * the reader has every change up to it. `fresh`: the message was created after `after`
 * (new to a reader who had `after`), else it is a change of one the reader had. With
 * `user`, only for a conversation the user is in; without, a gateway's own gap fill.
 */
export interface ChangesRequest {
  v: PayloadVersion;
  user?: string;
  conv: string;
  after: number;
  maxSeq?: number;
  newAfter?: number;
  limit?: number;
}
export interface ChangesReply {
  changes: { msg: MessageView; fresh: boolean }[];
  ver: number;
  more: boolean;
}

export interface PinsRequest {
  v: PayloadVersion;
  user: string;
  conv: string;
}
export interface PinsReply {
  pins: MessageView[];
}

export interface HistoryQueryRequest {
  v: PayloadVersion;
  /** The requesting user (authorized against membership); absent for a gateway's own gap fill. */
  user?: string;
  conv: string;
  before?: number;
  after?: number;
  limit?: number;
}
export type HistoryQueryReply = HistoryResult;

export interface ConvsRequest {
  v: PayloadVersion;
  user: string;
  /** Rooms the user is in (from the rooms service); their seq and read marker are listed. */
  rooms: string[];
  /** Also list the user's DM conversations with at least one message. */
  dms: boolean;
}
export interface ConvsReply {
  convs: ConvSummary[];
}

/**
 * `historyConvs` for many users at once (the gateway batches concurrent `hello`s): one
 * answer per item, in order, each computed for that item's user alone (its read markers,
 * its DMs) exactly as `historyConvs` would. At most MAX_CONVS_BATCH items.
 */
export interface ConvsManyRequest {
  v: PayloadVersion;
  items: Omit<ConvsRequest, 'v'>[];
}
export interface ConvsManyReply {
  convs: ConvSummary[][];
}

/**
 * Where conversations are: the latest `seq` of each given room and of every DM of each
 * given user (those with at least one message). A gateway compares it with what its
 * sessions hold, after a loss of the broker connection and periodically, and fetches what
 * a lost live delivery left out.
 */
export interface PositionsRequest {
  v: PayloadVersion;
  users: string[];
  rooms: string[];
}
export interface PositionsReply {
  positions: { conv: string; seq: number; ver: number }[];
}

export interface ReadRequest {
  v: PayloadVersion;
  user: string;
  conv: string;
  seq: number;
}
/** `read` is the marker after the update (it never moves back). */
export interface ReadReply {
  read: number;
}

/** A delivery marker (`received`), same fields as `read`. */
export type ReceivedRequest = ReadRequest;
/**
 * `received`: the user's delivery marker after the update, present only when it moved (a
 * marker at or below the user's received or read marker changes nothing and is announced
 * to nobody).
 */
export interface ReceivedReply {
  received?: number;
}

/** Most users one `historyMarkers` may name. */
export const MAX_MARKERS_BATCH = 500;

/** Some users' markers of one conversation (the push decision), in the order asked. */
export interface MarkersRequest {
  v: PayloadVersion;
  conv: string;
  users: string[];
}
export interface MarkersReply {
  markers: { read: number; received: number }[];
}

/** Who in `conv` has `seq`: the requesting user must be a member. */
export type ReceiptsRequest = ReadRequest;
export type ReceiptsReply = ReceiptsResult;
