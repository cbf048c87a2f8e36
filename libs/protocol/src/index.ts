export type { ErrorBody, ErrorCode } from './errors.ts';
export { CloseCode, ERROR_CODES, HTTP_STATUS, isErrorCode, NatterError } from './errors.ts';
export type {
  ConvSummary,
  HelloResult,
  HistoryResult,
  MessageView,
  Op,
  PresenceView,
  RequestParams,
  RoomView,
  SendResult,
  ServerEvent,
} from './frames.ts';
export { Attachment, describeIssue, Envelope, isOp, OPS, RequestId, RequestSchemas } from './frames.ts';
export type { ConvId, ParsedConv, ParsedTarget } from './ids.ts';
export { convOf, dmConv, isRoom, isUser, parseConv, parseTarget, ROOM_RE, roomConv, USER_RE } from './ids.ts';
export {
  charLength,
  HISTORY_PAGE,
  MAX_ATTACHMENTS,
  MAX_WATCH,
  REPLAY_PER_CONV,
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
