import { z } from 'zod';
import { ROOM_RE, USER_RE } from './ids.ts';
import { isUploadPath } from './uploads.ts';

/**
 * One runtime schema per request frame (docs/protocol.md, "Requests"). The gateway parses
 * the envelope first (`id`, `op`), then the op's own schema, so an error can name the
 * field that was wrong. Unknown fields are ignored (zod strips them).
 */

export const RequestId = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.string().min(1).max(64),
]);

export const Envelope = z.object({
  id: RequestId.optional(),
  op: z.string().min(1).max(32),
});

const user = z.string().regex(USER_RE, 'must match ^[A-Za-z0-9_.-]{1,64}$');
const room = z.string().regex(ROOM_RE, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$');
const target = z
  .string()
  .regex(/^(room|user):/, 'must be room:<room> or user:<user>')
  .max(80);
const conv = z
  .string()
  .regex(/^(room|dm):/, 'must be room:<room> or dm:<a>:<b>')
  .max(140);
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const cid = z.string().min(1).max(64);

export const Attachment = z.object({
  url: z
    .string()
    .max(2048)
    .refine((u) => isUploadPath(u) || /^https:\/\/[^\s]+$/.test(u), {
      message: 'must be a /v1/uploads/ path or an https:// URL',
    }),
  type: z.string().min(1).max(100),
  name: z.string().max(255),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  width: z.number().int().positive().max(100_000).optional(),
  height: z.number().int().positive().max(100_000).optional(),
  duration: z.number().int().nonnegative().max(86_400_000).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

export const RequestSchemas = {
  hello: z.object({
    token: z.string().min(1).max(8192).optional(),
    user: user.optional(),
    device: z.string().max(64).optional(),
    since: z.record(conv, seq).optional(),
  }),
  refresh: z.object({ token: z.string().min(1).max(8192) }),
  send: z.object({
    to: target,
    cid,
    // Length limits are checked after parsing so that they answer `too_large`.
    text: z.string().optional(),
    attachments: z.array(z.unknown()).optional(),
  }),
  join: z.object({ room }),
  create: z.object({ room, private: z.boolean().optional() }),
  invite: z.object({ room, user }),
  leave: z.object({ room }),
  rooms: z.object({
    public: z.boolean().optional(),
    prefix: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(200).optional(),
  }),
  members: z.object({ room }),
  history: z.object({
    conv,
    before: seq.optional(),
    after: seq.optional(),
    limit: z.number().int().min(1).max(200).optional(),
  }),
  watch: z.object({ users: z.array(user).max(1000) }),
  unwatch: z.object({ users: z.array(user).max(1000) }),
  typing: z.object({ to: target }),
  read: z.object({ conv, seq }),
  ping: z.object({}),
} as const;

export type Op = keyof typeof RequestSchemas;
export type RequestParams<O extends Op> = z.infer<(typeof RequestSchemas)[O]>;
export const OPS = Object.keys(RequestSchemas) as Op[];

export function isOp(op: string): op is Op {
  return Object.hasOwn(RequestSchemas, op);
}

/** Turns the first zod issue into a message that names the field, e.g. `to: must be ...`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid parameters';
  const path = issue.path.length ? issue.path.map(String).join('.') : 'frame';
  return `${path}: ${issue.message}`;
}

// ---- results and events (server to client) ----

/** A stored message as clients see it (`message` events and `history` results). */
export interface MessageView {
  conv: string;
  seq: number;
  mid: string;
  from: string;
  ts: string;
  text?: string;
  attachments?: Attachment[];
  cid?: string;
}

export interface ConvSummary {
  conv: string;
  seq: number;
  read: number;
}

export interface SendResult {
  conv: string;
  seq: number;
  mid: string;
  ts: string;
}

export interface HelloResult {
  user: string;
  session: string;
  gateway: string;
  heartbeat: number;
  token: string;
  convs: ConvSummary[];
}

export interface HistoryResult {
  messages: MessageView[];
  more: boolean;
}

export interface PresenceView {
  user: string;
  online: boolean;
  lastSeen?: string;
}

export interface RoomView {
  room: string;
  seq: number;
  members: number;
  private: boolean;
}

export type ServerEvent =
  | ({ ev: 'message' } & MessageView)
  | { ev: 'gap'; conv: string; after: number; before: number }
  | { ev: 'synced' }
  | { ev: 'joined'; room: string; user: string }
  | { ev: 'left'; room: string; user: string }
  | ({ ev: 'presence' } & PresenceView)
  | { ev: 'typing'; conv: string; user: string }
  | { ev: 'read'; conv: string; user: string; seq: number }
  | { ev: 'bye'; reason: string; reconnect: boolean }
  | { ev: 'error'; op: string; error: { code: string; message: string; retryAfter?: number } };
