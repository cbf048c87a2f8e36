// The package root: types, ids and pure rules, safe for browsers and quick to load. Nothing
// below imports zod (libs/protocol/test/root-imports.test.ts checks); the runtime schemas are
// `@natter/protocol/schemas`.
export type { ErrorBody, ErrorCode } from './errors.ts';
export { CloseCode, ERROR_CODES, HTTP_STATUS, isErrorCode, NatterError } from './errors.ts';
export type {
  Attachment,
  ChangeEvent,
  ConvSummary,
  DeleteResult,
  EditResult,
  EmptyResult,
  HelloResult,
  HistoryResult,
  InviteView,
  JoinResult,
  MessageView,
  NotifyLevel,
  Op,
  PeerMarkers,
  PresenceView,
  PushRegistration,
  ReactionView,
  ReceiptsResult,
  ReplyView,
  RequestParams,
  Requests,
  Results,
  RoomView,
  SendResult,
  ServerEvent,
  Since,
  ThreadSummary,
  VerResult,
} from './frames.ts';
export { defaultNotifyLevel, isOp, OPS } from './frames.ts';
export type { ConvId, ParsedConv, ParsedTarget, SendTarget } from './ids.ts';
export {
  convOf,
  dmConv,
  dmPeer,
  isRoom,
  isUser,
  parseConv,
  parseSendTarget,
  parseTarget,
  ROOM_RE,
  roomConv,
  threadConv,
  USER_RE,
} from './ids.ts';
export {
  charLength,
  HISTORY_PAGE,
  INVITES_MAX,
  isEmoji,
  MAX_ATTACHMENTS,
  MAX_EMOJI_CHARS,
  MAX_PINS,
  MAX_PUSH_DEVICES,
  MAX_PUSH_ENDPOINT,
  MAX_PUSH_TOKEN,
  MAX_REACTIONS,
  MAX_WATCH,
  REACTION_USERS,
  RECEIPTS_MAX,
  RECEIVED_INTERVAL_MS,
  REPLAY_CHANGES,
  REPLAY_PER_CONV,
  REPLY_PREVIEW_CHARS,
  ROOMS_PAGE,
} from './limits.ts';
export { isoTime } from './time.ts';
export type { UploadType } from './uploads.ts';
export {
  baseMediaType,
  isUploadPath,
  isUploadType,
  UPLOAD_AUDIO_TYPES,
  UPLOAD_IMAGE_TYPES,
  UPLOAD_TYPES,
} from './uploads.ts';
