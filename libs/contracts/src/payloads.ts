import type {
  Attachment,
  ChangeEvent,
  ConvSummary,
  HistoryResult,
  MessageView,
  PresenceView,
  ReceiptsResult,
  SendResult,
} from '@natter/protocol';
import type { PayloadVersion } from './events.ts';
import type { LoggedEvent } from './log-events.ts';

/**
 * Internal payloads between services. Every payload is JSON with `v: PAYLOAD_VERSION` on the
 * wire: requests carry it in their type; events get it stamped by `emit` and checked by `on`,
 * so event types leave it out. The bus is inside the trust boundary: the gateway has already
 * authenticated the user and validated the frame, and services authorize against their own
 * state (membership, DM participants).
 */

/** Who sent a stored message, so the gateway can skip the sending session. */
export interface Origin {
  gw: string;
  session: string;
}

// ---- history ----

/** Most items one `historyConvsMany`, and most users one `rooms.listMany`, may carry. */
export const MAX_CONVS_BATCH = 500;
export const MAX_LIST_BATCH = 500;

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

// ---- presence ----

export interface SessionRef {
  session: string;
  user: string;
}

export interface ConnectRequest {
  v: PayloadVersion;
  gw: string;
  sessions: SessionRef[];
}
export type ConnectReply = Record<string, never>;

export interface DisconnectEvent {
  gw: string;
  sessions: SessionRef[];
}

export interface HeartbeatEvent {
  gw: string;
  sessions: number;
  /** Interval in ms the gateway promises to keep; presence expires it after 3 of them. */
  interval: number;
}

export interface PresenceQueryRequest {
  v: PayloadVersion;
  users: string[];
}
export interface PresenceQueryReply {
  presence: PresenceView[];
}

/**
 * On `presenceResync`: presence lost its session registry (Redis restarted empty) or, with
 * `gw`, that one gateway's part of it (swept while still alive). The gateways concerned
 * (every gateway when `gw` is absent) re-send presenceConnect with all their sessions.
 */
export interface PresenceResyncEvent {
  gw?: string;
}

export interface PresenceChangedEvent {
  user: string;
  online: boolean;
  lastSeen?: string;
}

// ---- deliveries to a gateway ----

/**
 * An event for every live session of one user, on that user's subject (`user(<user>)`):
 * every gateway holding a session of the user subscribes it, so the broker carries one
 * copy to each of them and nothing for a user who is offline. A stored DM goes to both
 * users' subjects; a gateway holding both drops the second copy by `seq`.
 */
export interface UserDelivery {
  event: UserEvent;
  origin?: Origin;
}

/**
 * What a gateway receives for a user's sessions. `message` carries a stored DM (room
 * messages come on the room's subject), the others are ephemeral or control events.
 */
export type UserEvent =
  | { kind: 'message'; msg: MessageView }
  /** A change of a stored DM, as its users' sessions receive it. */
  | { kind: 'change'; change: ChangeEvent }
  | { kind: 'typing'; conv: string; user: string }
  | { kind: 'read'; conv: string; user: string; seq: number }
  /** A DM user's delivery marker moved: for the other user only. */
  | { kind: 'received'; conv: string; user: string; seq: number }
  /**
   * The user joined or left a room (from any session): gateways update membership. `ver` is
   * the room's membership version of the change; a gateway ignores one older than what it has.
   */
  | { kind: 'membership'; room: string; member: boolean; ver: number }
  /** The user was invited into `room` by `by` (the invitee need not be online anywhere). */
  | { kind: 'invited'; room: string; by: string; private: boolean };

export type RoomEvent =
  | { kind: 'message'; msg: MessageView; origin?: Origin }
  | { kind: 'change'; change: ChangeEvent; origin?: Origin }
  /**
   * `quiet`: the room is past NATTER_ROOM_ANNOUNCE_MAX members; gateways apply the change but do
   * not show it to the other members (a join storm into a big room would be O(members²) frames).
   */
  | { kind: 'joined' | 'left'; room: string; user: string; ver: number; quiet?: boolean }
  | { kind: 'typing'; conv: string; user: string; origin?: Origin }
  | { kind: 'read'; conv: string; user: string; seq: number; origin?: Origin };

// ---- rooms ----

export interface RoomJoinRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomJoinReply {
  room: string;
  /** False when the user was already a member (joining twice is not an error). */
  joined: boolean;
  /** The room's membership version after the join (RoomMembershipReply). */
  ver: number;
}
export interface RoomCreateRequest {
  v: PayloadVersion;
  user: string;
  room: string;
  private: boolean;
}
export interface RoomInviteRequest {
  v: PayloadVersion;
  user: string;
  room: string;
  invitee: string;
}
/** The user's own unused invitations (`invites`), newest first, at most INVITES_MAX. */
export interface RoomInvitesRequest {
  v: PayloadVersion;
  user: string;
}
export interface RoomInvitesReply {
  invites: { room: string; by: string; ts: string }[];
}
/** Drops the user's own invitation into `room` (`decline`); none is not an error. */
export interface RoomDeclineRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomLeaveRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomListRequest {
  v: PayloadVersion;
  user: string;
  /** List public rooms (by prefix) instead of the user's own. */
  public?: boolean;
  prefix?: string;
  limit?: number;
}
/**
 * The own rooms of many users at once (the gateway batches concurrent `hello`s): one list
 * per user, in the order asked, each what `rooms.list` answers that user. At most
 * MAX_LIST_BATCH users.
 */
export interface RoomListManyRequest {
  v: PayloadVersion;
  users: string[];
}
export interface RoomListManyReply {
  lists: RoomListReply['rooms'][];
}
export interface RoomListReply {
  /** `ver`: the room's membership version when listed. */
  /** `role`: the listing user's, in a list of their own rooms (the creator is `owner`). */
  rooms: { room: string; members: number; private: boolean; ver: number; role?: 'owner' | 'member' }[];
}
export interface RoomLeaveReply {
  /** The room's membership version after the leave. */
  ver: number;
}
/**
 * Confirms memberships, in the order asked (at most 500 pairs). Every join and leave of a
 * room takes the room's next membership version with it, so of two answers about one room
 * the higher `ver` is the newer: gateways keep the newest they have seen per user and room.
 */
export interface RoomMembershipRequest {
  v: PayloadVersion;
  pairs: { room: string; user: string }[];
}
export interface RoomMembershipReply {
  memberships: { member: boolean; ver: number }[];
}
export interface RoomMembersRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomMembersReply {
  members: PresenceView[];
}
/** Membership of a room for caches (history's authorization). */
export interface RoomRosterRequest {
  v: PayloadVersion;
  room: string;
}
export interface RoomRosterReply {
  exists: boolean;
  private: boolean;
  members: string[];
  /** The room's owner (until roles land: its creator); absent when the room does not exist. */
  owner?: string;
}
export interface RoomsChangedEvent {
  room: string;
  /**
   * The change, when it was one member joining or leaving, with the room's membership version
   * after it: a cache one version behind applies it in place; without it, caches drop the room.
   */
  change?: { user: string; member: boolean; ver: number };
}

/** GET /v1/events: a page of the event log (libs/events). */
export interface EventsReadRequest {
  v: PayloadVersion;
  after?: string;
  limit: number;
}
export interface EventsReadReply {
  events: LoggedEvent[];
  /** The cursor of the last event returned, else the `after` given (absent on an empty log). */
  next?: string;
}

// ---- push ----

/** A device as `push.register` names it (validated by the gateway's schema). */
export type PushDevice =
  | { provider: 'webpush'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { provider: 'fcm' | 'apns'; token: string };

export type PushRegisterRequest = { v: PayloadVersion; user: string } & PushDevice;
export interface PushRegisterReply {
  device: string;
}
export interface PushUnregisterRequest {
  v: PayloadVersion;
  user: string;
  device: string;
}
export interface NotifyRequest {
  v: PayloadVersion;
  user: string;
  conv: string;
  level: 'all' | 'mentions' | 'none';
  /** ISO time; the level holds until then, the default after. */
  until?: string;
}

/**
 * The notify levels each user chose (and that are in force), for `hello`'s `convs`: one list
 * per user, in the order asked (at most MAX_LIST_BATCH users).
 */
export interface PushLevelsRequest {
  v: PayloadVersion;
  users: string[];
}
export interface PushLevelsReply {
  levels: { conv: string; level: NotifyRequest['level'] }[][];
}

/** Request subjects and their payload types, for typed `call` and `serve`. */
export interface Rpc {
  msgSend: [SendRequest, SendReply];
  historyQuery: [HistoryQueryRequest, HistoryQueryReply];
  historyPositions: [PositionsRequest, PositionsReply];
  historyConvs: [ConvsRequest, ConvsReply];
  historyConvsMany: [ConvsManyRequest, ConvsManyReply];
  historyRead: [ReadRequest, ReadReply];
  historyChange: [ChangeRequest, ChangeReply];
  historyChanges: [ChangesRequest, ChangesReply];
  historyPins: [PinsRequest, PinsReply];
  historyReceived: [ReceivedRequest, ReceivedReply];
  historyReceipts: [ReceiptsRequest, ReceiptsReply];
  historyMarkers: [MarkersRequest, MarkersReply];
  pushRegister: [PushRegisterRequest, PushRegisterReply];
  pushUnregister: [PushUnregisterRequest, Record<string, never>];
  pushNotify: [NotifyRequest, Record<string, never>];
  pushLevels: [PushLevelsRequest, PushLevelsReply];
  presenceConnect: [ConnectRequest, ConnectReply];
  presenceQuery: [PresenceQueryRequest, PresenceQueryReply];
  'rooms.join': [RoomJoinRequest, RoomJoinReply];
  'rooms.create': [RoomCreateRequest, RoomJoinReply];
  'rooms.invite': [RoomInviteRequest, Record<string, never>];
  'rooms.invites': [RoomInvitesRequest, RoomInvitesReply];
  'rooms.decline': [RoomDeclineRequest, Record<string, never>];
  'rooms.leave': [RoomLeaveRequest, RoomLeaveReply];
  'rooms.list': [RoomListRequest, RoomListReply];
  'rooms.listMany': [RoomListManyRequest, RoomListManyReply];
  'rooms.members': [RoomMembersRequest, RoomMembersReply];
  'rooms.roster': [RoomRosterRequest, RoomRosterReply];
  'rooms.membership': [RoomMembershipRequest, RoomMembershipReply];
  eventsRead: [EventsReadRequest, EventsReadReply];
}

/**
 * Event subjects and their payload types, for typed `emit` and `on`. A parameterized subject
 * (`room(<room>)`, `user(<user>)`) takes its parameter after the key.
 */
export interface Events {
  roomsChanged: RoomsChangedEvent;
  room: RoomEvent;
  user: UserDelivery;
  gwHeartbeat: HeartbeatEvent;
  presenceResync: PresenceResyncEvent;
  presenceDisconnect: DisconnectEvent;
  presenceChanged: PresenceChangedEvent;
}
