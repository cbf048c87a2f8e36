// The public surface of @natter/client. Browser-safe: no node: imports anywhere below.
export type {
  Attachment,
  ChangeEvent,
  ConvSummary,
  HelloResult,
  HistoryResult,
  InviteView,
  MessageView,
  PeerMarkers,
  PresenceView,
  ReactionView,
  ReceiptsResult,
  ReplyView,
  Results,
  RoomView,
  SendResult,
  Since,
  ThreadSummary,
  VerResult,
} from '@natter/protocol';
// Whether an attachment is this server's own upload or a remote URL (which a client should
// not load for its reader unasked).
export { isUploadPath } from '@natter/protocol';
export type { BackoffOptions } from './backoff.ts';
export { backoffCap, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
export { newCid } from './cid.ts';
export type { RequestOptions } from './client.ts';
export { NatterClient } from './client.ts';
export type { Listener } from './emitter.ts';
export { Emitter } from './emitter.ts';
export type { ClientErrorCode, NatterClientErrorOptions } from './errors.ts';
export { NatterClientError } from './errors.ts';
export type {
  ByeEvent,
  ClientEvents,
  ConnectionState,
  DisconnectEvent,
  GapEvent,
  InvitedEvent,
  MembershipEvent,
  OutboxEvent,
  ReadEvent,
  ReceivedEvent,
  TypingEvent,
} from './events.ts';
export type { StoreUpdate } from './message-store.ts';
export { MessageStore } from './message-store.ts';
export type {
  CreateResult,
  EmptyResult,
  HistoryOptions,
  JoinResult,
  MemberView,
  OpName,
  OpParams,
  OpResult,
  Ops,
  RoomsOptions,
  SendBody,
} from './ops.ts';
export type { NatterClientOptions } from './options.ts';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './options.ts';
export type { QueuedOp } from './outbox.ts';
export type { PushManagerLike, PushSubscriptionLike, ServiceWorkerRegistrationLike } from './push.ts';
export { registerNativePush, registerWebPush, setNotify, unregisterPush, vapidKeyBytes } from './push.ts';
export { SeqTracker } from './seq-tracker.ts';
export type { Target } from './targets.ts';
export { targetOf } from './targets.ts';
export type { OpenedThread, ThreadConv, ThreadEvent } from './threads.ts';
export { threadOf, threadRoot } from './threads.ts';
export type { TokenSource } from './token.ts';
export { decodeJwtTimes, refreshDelayMs } from './token.ts';
export type { UploadOptions } from './upload.ts';
export {
  AUDIO_TYPES,
  baseType,
  httpBaseOf,
  IMAGE_TYPES,
  isUploadable,
  UploadError,
  uploadFile,
} from './upload.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket.ts';
