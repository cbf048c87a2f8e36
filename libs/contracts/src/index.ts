export type * from './delivery-payloads.ts';
export type { EventHandler, EventKey, OnOptions, PayloadVersion } from './events.ts';
export { decodeEvent, emit, emitEach, eventHandler, on, PAYLOAD_VERSION } from './events.ts';
export type * from './history-payloads.ts';
export { MAX_CONVS_BATCH, MAX_MARKERS_BATCH } from './history-payloads.ts';
export type * from './hooks-payloads.ts';
export type {
  EventData,
  EventType,
  LoggedEvent,
  MemberData,
  NewEvent,
  ReactionData,
  RoomData,
} from './log-events.ts';
export { EVENT_TYPES, PRODUCED } from './log-events.ts';
export type * from './payloads.ts';
export type * from './presence-payloads.ts';
export type * from './push-payloads.ts';
export type * from './rooms-payloads.ts';
export { MAX_LIST_BATCH } from './rooms-payloads.ts';
export type { CallOptions, RpcKey, ServeContext } from './rpc.ts';
export { decode, encode, RawJson, RpcClient, rpcSubject, serve, serveContext } from './rpc.ts';
export type { RoomsOp, Subjects } from './subjects.ts';
export { GATEWAY_ID_RE, QUEUE, subjects, userOfToken, userToken } from './subjects.ts';
