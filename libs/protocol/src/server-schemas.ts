import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import type { Op, Results, ServerEvent } from './frames.ts';
import { ROOM_RE, USER_RE } from './ids.ts';
import { Attachment, RequestId, type Same } from './schemas.ts';

/**
 * What the server sends (docs/protocol.md): each op's result and each event, as zod
 * schemas. Nothing parses them at run time on the server; they exist so that the AsyncAPI
 * document (docs/asyncapi.yaml, `/v1/asyncapi.json`) is generated from schemas the type
 * checker holds to the hand-written `Results` and `ServerEvent` types, just as
 * `RequestSchemas` is held to `Requests`. A new op or event that is missing here fails the
 * type check, naming it.
 */

const bare = (re: RegExp) => re.source.slice(1, -1);
const user = z.string().regex(USER_RE);
const room = z.string().regex(ROOM_RE);
const parentConv = `room:${bare(ROOM_RE)}|dm:${bare(USER_RE)}:${bare(USER_RE)}`;
// A thread (1.1) is `thread:<room or dm conv>:<root seq>`.
const conv = z.string().regex(new RegExp(`^(${parentConv}|thread:(${parentConv}):[1-9][0-9]{0,14})$`));
const seq = z.number().int().nonnegative();
const time = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC, milliseconds' });
const empty = z.object({}).meta({ description: 'Success, nothing else to say' });

export const ErrorBody = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string().meta({ description: 'Human words naming the field and what was wrong' }),
  retryAfter: z.number().int().nonnegative().optional().meta({ description: 'Milliseconds to wait' }),
});

const ver = z
  .number()
  .int()
  .nonnegative()
  .meta({ description: "The conversation's version of this state (1.1)" });

export const ReactionView = z.object({
  emoji: z.string().min(1),
  count: z.number().int().positive(),
  users: z.array(user).meta({ description: 'The first reactors, at most 20' }),
});

export const MessageView = z.object({
  conv,
  seq: seq.min(1),
  mid: z.string().min(1),
  from: user,
  ts: time,
  ver,
  text: z.string().optional(),
  attachments: z.array(Attachment).optional(),
  cid: z.string().min(1).max(64).optional().meta({ description: "The sender's cid (to its own sessions)" }),
  reply: z
    .object({ seq: seq.min(1), from: user, preview: z.string() })
    .optional()
    .meta({ description: 'The message this one answers, as of sending' }),
  mentions: z.array(user).optional(),
  edited: time.optional(),
  deleted: time.optional().meta({ description: 'Present on a tombstone' }),
  reactions: z.array(ReactionView).optional(),
  pinned: z.object({ by: user, ts: time }).optional(),
  thread: z
    .object({
      replies: z.number().int().positive(),
      last: time.meta({ description: 'When the latest reply was sent' }),
      users: z.array(user).meta({ description: 'The first 10 users who replied' }),
    })
    .optional()
    .meta({ description: "A thread root's summary of thread:<conv>:<seq> (1.1)" }),
});

export const PresenceView = z.object({ user, online: z.boolean(), lastSeen: time.optional() });
export const ConvSummary = z.object({
  conv,
  seq,
  ver,
  read: seq,
  mentions: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'Messages past `read` that mention the user (1.1); absent when none' }),
  peer: z
    .object({ received: seq, read: seq })
    .optional()
    .meta({ description: "DM entries only: the other user's delivery and read markers" }),
  notify: z
    .enum(['all', 'mentions', 'none'])
    .optional()
    .meta({ description: "The user's notify level in force (absent while the push service is not running)" }),
});
export const RoomView = z.object({
  room,
  seq,
  members: z.number().int().nonnegative(),
  private: z.boolean(),
  role: z
    .enum(['owner', 'admin', 'member'])
    .optional()
    .meta({ description: "The caller's role, in a list of the caller's own rooms (the creator is owner)" }),
});
const JoinResult = z.object({ room, seq });
/** react, unreact, pin, unpin: the ver after the request; `changed: false` when it changed nothing (1.1). */
const verResult = z.object({
  ver,
  changed: z
    .literal(false)
    .optional()
    .meta({ description: "Present when the request changed nothing: ver is the conversation's current one" }),
});

export const ResultSchemas = {
  hello: z.object({
    user,
    session: z.string().min(1),
    gateway: z.string().min(1),
    heartbeat: z.number().int().positive().meta({ description: 'Seconds between pings' }),
    token: z.string().min(1).meta({ description: "The session's credential for the HTTP API" }),
    convs: z.array(ConvSummary),
  }),
  refresh: empty,
  send: z.object({ conv, seq: seq.min(1), mid: z.string().min(1), ts: time, ver: ver.optional() }),
  edit: z.object({ conv, seq: seq.min(1), ver, edited: time }),
  delete: z.union([z.object({ conv, seq: seq.min(1), ver }), empty]),
  react: verResult,
  unreact: verResult,
  pin: verResult,
  unpin: verResult,
  pins: z.object({ pins: z.array(MessageView).meta({ description: 'Newest pin first' }) }),
  received: empty,
  receipts: z.object({
    read: z.array(user).meta({ description: 'Members whose read marker is at or past seq (at most 200)' }),
    received: z
      .array(user)
      .meta({ description: 'Members whose delivery marker is at or past seq (at most 200)' }),
  }),
  join: JoinResult,
  create: JoinResult,
  invite: empty,
  invites: z.object({
    invites: z
      .array(z.object({ room, by: user, ts: time }))
      .meta({ description: "The caller's unused invitations, newest first (at most 200)" }),
  }),
  decline: empty,
  leave: empty,
  rooms: z.object({ rooms: z.array(RoomView) }),
  members: z.object({ members: z.array(PresenceView) }),
  history: z.object({ messages: z.array(MessageView), more: z.boolean() }),
  watch: z.object({ presence: z.array(PresenceView) }),
  unwatch: empty,
  typing: empty,
  read: empty,
  notify: empty,
  'push.register': z.object({ device: z.string().min(3).meta({ description: 'The device id (d_...)' }) }),
  'push.unregister': empty,
  ping: empty,
} as const satisfies { [O in Op]: z.ZodType };

type EventKind = ServerEvent['ev'];
const ev = <K extends EventKind>(kind: K) => z.object({ ev: z.literal(kind) });

export const EventSchemas = {
  message: ev('message').extend(MessageView.shape),
  edit: ev('edit').extend({
    conv,
    seq: seq.min(1),
    ver,
    text: z.string(),
    edited: time,
    by: user,
    mentions: z.array(user).optional(),
  }),
  delete: ev('delete').extend({ conv, seq: seq.min(1), ver, by: user.optional() }),
  reaction: ev('reaction').extend({
    conv,
    seq: seq.min(1),
    ver,
    user,
    emoji: z.string().min(1),
    on: z.boolean(),
  }),
  pin: ev('pin').extend({ conv, seq: seq.min(1), ver, on: z.boolean(), by: user }),
  thread: ev('thread').extend({
    conv,
    seq: seq.min(1),
    ver,
    replies: z.number().int().positive(),
    last: time,
    users: z.array(user),
  }),
  update: ev('update').extend({ conv, seq: seq.min(1), ver, message: MessageView }),
  refetch: ev('refetch').extend({ conv, ver: ver.meta({ description: "The conversation's latest ver" }) }),
  gap: ev('gap').extend({
    conv,
    after: seq.meta({ description: 'The last seq the client has' }),
    before: seq.meta({ description: 'The first seq replayed after the gap (exclusive end)' }),
  }),
  synced: ev('synced'),
  joined: ev('joined').extend({ room, user }),
  left: ev('left').extend({ room, user }),
  invited: ev('invited').extend({
    room,
    by: user,
    private: z
      .boolean()
      .meta({ description: 'Whether the room is private (joining it takes this invitation)' }),
  }),
  presence: ev('presence').extend(PresenceView.shape),
  typing: ev('typing').extend({ conv, user }),
  read: ev('read').extend({ conv, user, seq }),
  received: ev('received').extend({ conv, user, seq }),
  bye: ev('bye').extend({
    reason: z.string(),
    reconnect: z.boolean(),
    spreadMs: z.number().int().positive().optional().meta({
      description: 'Spread the reconnect uniformly over this many milliseconds (a draining gateway)',
    }),
  }),
  error: ev('error').extend({
    op: z.string().meta({ description: 'The op of the request without id that failed' }),
    error: ErrorBody,
  }),
} as const satisfies { [K in EventKind]: z.ZodType };

/** A reply to a request with `id`: `{re, result}` or `{re, error}`. */
export const replySchema = (result: z.ZodType) => z.object({ re: RequestId, result });
export const ErrorReply = z.object({ re: RequestId, error: ErrorBody });

// The hand-written types must say what these schemas describe (see schemas.ts for the idea).
type ResultMismatch = {
  [O in Op]: Same<z.infer<(typeof ResultSchemas)[O]>, Results[O]> extends true ? never : O;
}[Op];
type EventMismatch = {
  [K in EventKind]: Same<
    z.infer<(typeof EventSchemas)[K]>,
    WidenError<Extract<ServerEvent, { ev: K }>>
  > extends true
    ? never
    : K;
}[EventKind];
// `ServerEvent` types an error's code as string; the schema names the codes.
type WidenError<E> = E extends { ev: 'error' } ? Omit<E, 'error'> & { error: z.infer<typeof ErrorBody> } : E;
const _resultsMatch: [ResultMismatch] extends [never] ? true : ResultMismatch = true;
const _eventsMatch: [EventMismatch] extends [never] ? true : EventMismatch = true;
void _resultsMatch;
void _eventsMatch;
