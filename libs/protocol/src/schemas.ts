import { z } from 'zod';
import { NatterError } from './errors.ts';
import type { Attachment as AttachmentType, Op, Requests } from './frames.ts';
import { ROOM_RE, USER_RE } from './ids.ts';
import {
  charLength,
  isEmoji,
  MAX_ATTACHMENTS,
  MAX_EMOJI_CHARS,
  MAX_PUSH_ENDPOINT,
  MAX_PUSH_TOKEN,
} from './limits.ts';
import { isUploadPath } from './uploads.ts';

/**
 * One runtime schema per request frame (docs/protocol.md, "Requests"), for the gateway: the
 * package root leaves them out so that clients do not load zod. The gateway parses the
 * envelope first (`id`, `op`), then the op's own schema, so an error can name the field that
 * was wrong. Unknown fields are ignored (zod strips them).
 */

export const RequestId = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.string().min(1).max(64),
]);

export const Envelope = z.object({
  id: RequestId.optional(),
  op: z.string().min(1).max(32),
});

const user = z.string().regex(USER_RE, `must match ${USER_RE.source}`);
const room = z.string().regex(ROOM_RE, `must match ${ROOM_RE.source}`);
const target = z
  .string()
  .regex(/^(room|user):/, 'must be room:<room> or user:<user>')
  .max(80);
/** `send` may also go into a thread (1.1); `typing` may not. */
const sendTarget = z
  .string()
  .regex(/^(room|user|thread):/, 'must be room:<room>, user:<user> or thread:<conv>:<seq>')
  .max(160);
// 160: thread:dm:<64>:<64>:<15 digits> fits.
const conv = z
  .string()
  .regex(/^(room|dm|thread):/, 'must be room:<room>, dm:<a>:<b> or thread:<conv>:<seq>')
  .max(160);
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const cid = z.string().min(1).max(64);
/** A message of a conversation (1.1 lifecycle ops): `conv` and `seq`. */
const ref = { conv, seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) };
const emoji = z
  .string()
  .max(MAX_EMOJI_CHARS * 2)
  .refine(isEmoji, { message: `must be 1-${MAX_EMOJI_CHARS} code points without whitespace` });
const since = z.union([seq, z.object({ seq, ver: seq })]);

const b64url = (what: string, min: number, max: number) =>
  z
    .string()
    .min(min, `must be the base64url of the ${what} (${min}-${max} characters)`)
    .max(max, `must be the base64url of the ${what} (${min}-${max} characters)`)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `must be the base64url of the ${what}`);
/**
 * A Web Push subscription as PushSubscription.toJSON() gives it: an https endpoint, the
 * P-256 public key (65 bytes: 87 characters of base64url, 88 padded) and the 16-byte auth
 * secret (22, 24 padded).
 */
const webPushSubscription = z.object({
  endpoint: z
    .string()
    .max(MAX_PUSH_ENDPOINT)
    .regex(/^https:\/\/[^\s]+$/, 'must be an https:// URL'),
  keys: z.object({
    p256dh: b64url('65-byte P-256 public key', 87, 88),
    auth: b64url('16-byte auth secret', 22, 24),
  }),
});
/** An FCM registration token or an APNs device token (hex, 64 characters today). */
const nativeToken = z
  .string()
  .min(8)
  .max(MAX_PUSH_TOKEN)
  .regex(/^[A-Za-z0-9_:.-]+$/, 'must be a device token (letters, digits, _ : . -)');
const time = z.iso.datetime({ offset: true });

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
export type Attachment = AttachmentType;

export const RequestSchemas = {
  hello: z.object({
    token: z.string().min(1).max(8192).optional(),
    user: user.optional(),
    device: z.string().max(64).optional(),
    since: z.record(conv, since).optional(),
  }),
  refresh: z.object({ token: z.string().min(1).max(8192) }),
  send: z.object({
    to: sendTarget,
    cid,
    // Length limits are checked after parsing so that they answer `too_large`.
    text: z.string().optional(),
    attachments: z.array(z.unknown()).optional(),
    reply: ref.seq.optional(),
  }),
  // Text limits are checked after parsing (checkText), like send's.
  edit: z.object({ ...ref, text: z.string() }),
  delete: z.object(ref),
  react: z.object({ ...ref, emoji }),
  unreact: z.object({ ...ref, emoji }),
  pin: z.object(ref),
  unpin: z.object(ref),
  pins: z.object({ conv }),
  join: z.object({ room }),
  create: z.object({ room, private: z.boolean().optional() }),
  invite: z.object({ room, user }),
  invites: z.object({}),
  decline: z.object({ room }),
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
  received: z.object({ conv, seq }),
  // A message's seq: seq 0 is no message.
  receipts: z.object({ conv, seq: seq.min(1) }),
  notify: z.object({ conv, level: z.enum(['all', 'mentions', 'none']), until: time.optional() }),
  'push.register': z.discriminatedUnion('provider', [
    z.object({ provider: z.literal('webpush'), subscription: webPushSubscription }),
    z.object({ provider: z.enum(['fcm', 'apns']), token: nativeToken }),
  ]),
  'push.unregister': z.object({
    device: z.string().regex(/^d_[A-Za-z0-9]{1,40}$/, 'must be a d_ device id'),
  }),
  ping: z.object({}),
} as const satisfies { [O in Op]: z.ZodType };

// The hand-written frame types of the package root must say what these schemas parse: a
// field added to one and not the other fails the type check here, naming the op.
// Mutual assignability misses an optional field on one side only, hence the keys too.
type Assignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Same<A, B> = Assignable<A, B> extends true ? Assignable<keyof A, keyof B> : false;
type Parsed = { [O in Op]: z.infer<(typeof RequestSchemas)[O]> };
type Mismatched = { [O in Op]: Same<Parsed[O], Requests[O]> extends true ? never : O }[Op];
const _requestsMatch: [Mismatched] extends [never] ? true : Mismatched = true;
const _attachmentMatches: Same<z.infer<typeof Attachment>, AttachmentType> = true;
void _requestsMatch;
void _attachmentMatches;

/** Turns the first zod issue into a message that names the field, e.g. `to: must be ...`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid parameters';
  const path = issue.path.length ? issue.path.map(String).join('.') : 'frame';
  return `${path}: ${issue.message}`;
}

/**
 * The text rules of `send` and `edit`: at most `maxTextChars` code points (`too_large`), no
 * U+0000, and not blank unless the message has attachments (`blankOk`).
 */
export function checkText(text: string, maxTextChars: number, blankOk: boolean): void {
  if (charLength(text) > maxTextChars) {
    throw new NatterError('too_large', `text: longer than ${maxTextChars} characters`);
  }
  if (text.includes('\u0000')) throw new NatterError('bad_request', 'text: must not contain U+0000');
  if (!blankOk && text.trim() === '') throw new NatterError('bad_request', 'text: must not be empty');
}

/**
 * The content rules of `send` (docs/protocol.md): text or attachments (at least one), text
 * of at most `maxTextChars` characters with no U+0000 and not blank unless attachments come
 * with it, at most `maxAttachments` attachments each matching `Attachment`. Throws
 * NatterError (`too_large` for a limit, else `bad_request`, naming the field); returns the
 * parsed attachments, unknown fields stripped, or undefined when there are none. The one
 * statement of these rules: the gateway applies it at the edge, the history service again
 * before storing.
 */
export function parseContent(
  p: { text?: string; attachments?: readonly unknown[] },
  maxTextChars: number,
): AttachmentType[] | undefined {
  const { text, attachments } = p;
  if (text === undefined && !attachments?.length) {
    throw new NatterError('bad_request', 'text: a message needs text or attachments');
  }
  if (text !== undefined) checkText(text, maxTextChars, !!attachments?.length);
  if (!attachments?.length) return undefined;
  if (attachments.length > MAX_ATTACHMENTS) {
    throw new NatterError('too_large', `attachments: more than ${MAX_ATTACHMENTS}`);
  }
  return attachments.map((a, i) => {
    const r = Attachment.safeParse(a);
    if (!r.success) throw new NatterError('bad_request', `attachments.${i}.${describeIssue(r.error)}`);
    return r.data;
  });
}
