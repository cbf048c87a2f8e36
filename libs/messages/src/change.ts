import type { Bus } from '@natter/bus';
import type {
  ChangeReply,
  ChangeRequest,
  ChangesReply,
  ChangesRequest,
  PinsReply,
  PinsRequest,
  ServeContext,
  Subjects,
} from '@natter/contracts';
import {
  type ChangeEvent,
  isEmoji,
  MAX_EMOJI_CHARS,
  type MessageView,
  NatterError,
  type ParsedConv,
  REPLAY_CHANGES,
} from '@natter/protocol';
import { checkText } from '@natter/protocol/schemas';
import type { BackendHealth } from '@natter/service';
import { authorizeConv, requireConv } from './authorize.ts';
import type { MembershipCache } from './membership.ts';
import { mentionsIn } from './mentions.ts';
import { announce } from './send.ts';
import type { ChangeInput, ChangeResult, MessageStore } from './store.ts';
import { checkSeq, checkUser } from './validate.ts';

export interface ChangeDeps {
  bus: Bus;
  subjects: Subjects;
  store: MessageStore;
  health: BackendHealth;
  membership: MembershipCache;
  maxTextChars: number;
  /** NATTER_EDIT_WINDOW_S in ms; undefined: edits at any time. */
  editWindowMs?: number;
}

/**
 * `historyChange`: authorize (membership here, the author or the room's owner inside the
 * store's transaction, on the message's locked state), change, reply after the commit, then
 * announce the change to the conversation's members. A change that changed nothing is
 * answered with the current ver and announced to nobody.
 */
export function changeHandler(
  deps: ChangeDeps,
): (req: ChangeRequest, ctx: ServeContext) => Promise<ChangeReply> {
  return async (req, ctx) => {
    const user = checkUser(req.user);
    const conv = requireConv(req.conv);
    if (!Number.isSafeInteger(req.seq) || req.seq < 1) {
      throw new NatterError('bad_request', 'seq: must be a positive integer');
    }
    await authorizeConv(deps.membership, user, conv, ctx.trace);
    const owner =
      conv.kind === 'room' ? (await deps.membership.roster(conv.room, ctx.trace)).owner : undefined;
    const input = await changeInput(deps, req, conv, owner, ctx.trace);
    const result = await deps.health.track(deps.store.change(input));
    if (result.gone) return { ver: 0, changed: false, gone: true };
    const reply: ChangeReply = { ver: result.ver, changed: result.changed };
    if (req.op === 'edit') reply.edited = result.msg.edited ?? result.msg.ts;
    if (result.changed) {
      announce(deps, conv, { kind: 'change', change: changeEvent(req, user, result) }, req.origin, ctx.trace);
    }
    return reply;
  };
}

function forbidden(why: string): NatterError {
  return new NatterError('forbidden', why);
}

async function changeInput(
  deps: ChangeDeps,
  req: ChangeRequest,
  conv: ParsedConv,
  owner: string | undefined,
  trace: string,
): Promise<ChangeInput> {
  const base = { conv: req.conv, seq: req.seq, user: req.user };
  const isOwner = owner !== undefined && owner === req.user;
  switch (req.op) {
    case 'edit': {
      if (typeof req.text !== 'string') throw new NatterError('bad_request', 'text: must be a string');
      checkText(req.text, deps.maxTextChars, true);
      const mentions = await mentionsIn(req.text, conv, req.user, deps.membership, trace);
      return {
        ...base,
        op: 'edit',
        text: req.text,
        mentions,
        check: (m) => {
          if (m.from !== req.user) throw forbidden('seq: only its author may edit a message');
          const window = deps.editWindowMs;
          if (window !== undefined && Date.now() - Date.parse(m.ts) > window) {
            throw forbidden(`seq: messages can be edited for ${window / 1000} s after sending`);
          }
          if (!m.deleted) checkText(req.text, deps.maxTextChars, !!m.attachments?.length);
        },
      };
    }
    case 'delete':
      return {
        ...base,
        op: 'delete',
        check: (m) => {
          if (m.from !== req.user && !isOwner) {
            throw forbidden('seq: only its author or an owner or admin of the room may delete a message');
          }
        },
      };
    case 'react':
    case 'unreact':
      if (!isEmoji(req.emoji)) {
        throw new NatterError(
          'bad_request',
          `emoji: must be 1-${MAX_EMOJI_CHARS} code points without whitespace`,
        );
      }
      return { ...base, op: req.op, emoji: req.emoji, check: () => {} };
    case 'pin':
    case 'unpin':
      return {
        ...base,
        op: req.op,
        check: () => {
          if (conv.kind === 'room' && !isOwner)
            throw forbidden('seq: only an owner or admin of the room may pin');
        },
      };
    default:
      throw new NatterError('bad_request', 'op: must be edit, delete, react, unreact, pin or unpin');
  }
}

function changeEvent(req: ChangeRequest, user: string, r: ChangeResult): ChangeEvent {
  const at = { conv: req.conv, seq: req.seq, ver: r.ver };
  switch (req.op) {
    case 'edit': {
      const e: ChangeEvent = {
        ev: 'edit',
        ...at,
        text: r.msg.text ?? '',
        edited: r.msg.edited ?? '',
        by: user,
      };
      if (r.msg.mentions) e.mentions = r.msg.mentions;
      return e;
    }
    case 'delete':
      return { ev: 'delete', ...at, by: user };
    case 'react':
    case 'unreact':
      return { ev: 'reaction', ...at, user, emoji: req.emoji, on: req.op === 'react' };
    case 'pin':
    case 'unpin':
      return { ev: 'pin', ...at, on: req.op === 'pin', by: user };
  }
}

type Handler<Req, Rep> = (req: Req, ctx: ServeContext) => Promise<Rep>;

/** `historyChanges`: see ChangesRequest. With `user`, for a member only. */
export function changesHandler(deps: ChangeDeps): Handler<ChangesRequest, ChangesReply> {
  return async (req, ctx) => {
    const conv = requireConv(req.conv);
    const after = checkSeq(req.after, 'after');
    const maxSeq = req.maxSeq === undefined ? undefined : checkSeq(req.maxSeq, 'maxSeq');
    const newAfter = req.newAfter === undefined ? undefined : checkSeq(req.newAfter, 'newAfter');
    if (
      req.limit !== undefined &&
      (!Number.isSafeInteger(req.limit) || req.limit < 1 || req.limit > REPLAY_CHANGES)
    ) {
      throw new NatterError('bad_request', `limit: must be an integer from 1 to ${REPLAY_CHANGES}`);
    }
    if (req.user !== undefined) await authorizeConv(deps.membership, checkUser(req.user), conv, ctx.trace);
    return deps.health.track(
      deps.store.changes(req.conv, { after, maxSeq, newAfter, limit: req.limit ?? 200 }),
    );
  };
}

/** `historyPins`: the pinned messages of a conversation the user is in. */
export function pinsHandler(deps: ChangeDeps): Handler<PinsRequest, PinsReply> {
  return async (req, ctx) => {
    const conv = requireConv(req.conv);
    await authorizeConv(deps.membership, checkUser(req.user), conv, ctx.trace);
    const pins: MessageView[] = await deps.health.track(deps.store.pins(req.conv));
    return { pins };
  };
}
