import type { RoomEvent, UserDelivery } from './delivery-payloads.ts';
import type {
  ChangeReply,
  ChangeRequest,
  ChangesReply,
  ChangesRequest,
  ConvsManyReply,
  ConvsManyRequest,
  ConvsReply,
  ConvsRequest,
  HistoryQueryReply,
  HistoryQueryRequest,
  MarkersReply,
  MarkersRequest,
  PinsReply,
  PinsRequest,
  PositionsReply,
  PositionsRequest,
  ReadReply,
  ReadRequest,
  ReceiptsReply,
  ReceiptsRequest,
  ReceivedReply,
  ReceivedRequest,
  SendReply,
  SendRequest,
} from './history-payloads.ts';
import type { EventsReadReply, EventsReadRequest } from './hooks-payloads.ts';
import type {
  ConnectReply,
  ConnectRequest,
  DisconnectEvent,
  HeartbeatEvent,
  PresenceChangedEvent,
  PresenceQueryReply,
  PresenceQueryRequest,
  PresenceResyncEvent,
} from './presence-payloads.ts';
import type {
  NotifyRequest,
  PushLevelsReply,
  PushLevelsRequest,
  PushRegisterReply,
  PushRegisterRequest,
  PushUnregisterRequest,
} from './push-payloads.ts';
import type {
  RoomCreateRequest,
  RoomDeclineRequest,
  RoomInviteRequest,
  RoomInvitesReply,
  RoomInvitesRequest,
  RoomJoinReply,
  RoomJoinRequest,
  RoomLeaveReply,
  RoomLeaveRequest,
  RoomListManyReply,
  RoomListManyRequest,
  RoomListReply,
  RoomListRequest,
  RoomMembershipReply,
  RoomMembershipRequest,
  RoomMembersReply,
  RoomMembersRequest,
  RoomRosterReply,
  RoomRosterRequest,
  RoomsChangedEvent,
} from './rooms-payloads.ts';

/**
 * Internal payloads between services. Every payload is JSON with `v: PAYLOAD_VERSION` on the
 * wire: requests carry it in their type; events get it stamped by `emit` and checked by `on`,
 * so event types leave it out. The bus is inside the trust boundary: the gateway has already
 * authenticated the user and validated the frame, and services authorize against their own
 * state (membership, DM participants).
 *
 * Each service's payloads are in its own file (history-, rooms-, presence-, push-, hooks-,
 * delivery-payloads.ts); this one maps the subjects to them.
 */

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
