import type { Bus } from '@natter/bus';
import {
  emit,
  emitEach,
  type Origin,
  type SendReply,
  type SendRequest,
  type ServeContext,
  type Subjects,
  type UserEvent,
} from '@natter/contracts';
import {
  convOf,
  NatterError,
  type ParsedConv,
  parseConv,
  REPLY_PREVIEW_CHARS,
  type ReplyView,
} from '@natter/protocol';
import type { BackendHealth } from '@natter/service';
import { authorizeConv, authorizeRoom, requireRoom } from './authorize.ts';
import type { MembershipCache } from './membership.ts';
import { mentionsIn } from './mentions.ts';
import type { HistoryMetrics } from './metrics.ts';
import type { MessageStore } from './store.ts';
import { checkSend } from './validate.ts';

export interface SendDeps {
  bus: Bus;
  subjects: Subjects;
  store: MessageStore;
  health: BackendHealth;
  membership: MembershipCache;
  metrics: HistoryMetrics;
  maxTextChars: number;
}

/**
 * `msgSend`: authorize, store (the reply means committed), then announce the stored message.
 * A retry with the same cid gets the first result and announces it again: the first
 * announcement may have been lost with a process that died between commit and publish, and
 * gateways drop what their sessions already have.
 */
export function sendHandler(deps: SendDeps): (req: SendRequest, ctx: ServeContext) => Promise<SendReply> {
  return async (req, ctx) => {
    const { target, attachments } = checkSend(req, deps.maxTextChars);
    const conv = convOf(req.from, target);
    const parsed = parseConv(conv)!;
    // A thread's members are its parent's: the same checks, on the parent's room or users.
    if (parsed.kind === 'room') {
      // Even the server API may only post to rooms that exist.
      if (req.system) await requireRoom(deps.membership, parsed.room, ctx.trace);
      else await authorizeRoom(deps.membership, req.from, parsed.room, ctx.trace);
    } else if (!req.system) {
      await authorizeConv(deps.membership, req.from, parsed, ctx.trace);
    }
    const mentions = await mentionsIn(req.text, parsed, req.from, deps.membership, ctx.trace);
    const replyTo = req.reply === undefined ? undefined : await replyView(deps, conv, req.reply);
    const {
      stored: msg,
      duplicate,
      root,
    } = await deps.health.track(
      deps.store.append({
        conv,
        from: req.from,
        cid: req.cid,
        text: req.text,
        attachments,
        reply: replyTo,
        mentions,
        thread: parsed.thread,
      }),
    );
    deps.metrics.stored(parsed.kind, duplicate);
    const reply: SendReply = { conv: msg.conv, seq: msg.seq, mid: msg.mid, ts: msg.ts, ver: msg.ver };
    if (duplicate) reply.duplicate = true;
    announce(deps, parsed, { kind: 'message', msg }, req.origin, ctx.trace);
    // The root's new summary is a change of the parent conversation (its ver), for the
    // sending session too: its result does not carry the summary.
    if (root) {
      const { thread, ...at } = root;
      const change = { ev: 'thread' as const, ...at, ...thread };
      announce(deps, parsed, { kind: 'change', change }, undefined, ctx.trace);
    }
    return reply;
  };
}

/**
 * To the room's subject, or to both users' subjects of a DM (a thread's go where its parent's
 * go). On both users' subjects: each gateway holding a session of either gets it, and nothing
 * goes anywhere for a user who is offline. A delivery lost on the way (a broker restart) is
 * repaired by the gateways' position check and ver gaps, not by retrying here.
 */
export function announce(
  deps: Pick<SendDeps, 'bus' | 'subjects'>,
  conv: ParsedConv,
  event: Extract<UserEvent, { kind: 'message' | 'change' }>,
  origin: Origin | undefined,
  trace: string,
): void {
  if (conv.kind === 'room') {
    emit(deps.bus, deps.subjects, 'room', conv.room, { ...event, origin }, trace);
    return;
  }
  emitEach(deps.bus, deps.subjects, 'user', new Set(conv.users), { event, origin }, trace);
}

/**
 * What a reply stores of the message it answers, as of now: a `seq` of the same
 * conversation that does not exist is `not_found`. One read, for replies only.
 */
async function replyView(deps: SendDeps, conv: string, seq: number): Promise<ReplyView> {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new NatterError('bad_request', 'reply: must be a seq');
  const to = await deps.health.track(deps.store.message(conv, seq));
  if (!to) throw new NatterError('not_found', `reply: no message ${seq} in ${conv}`);
  return { seq, from: to.from, preview: [...(to.text ?? '')].slice(0, REPLY_PREVIEW_CHARS).join('') };
}
