import type { RawJson } from '@natter/contracts';
import {
  type ConvsManyReply,
  type ConvsManyRequest,
  type ConvsReply,
  type ConvsRequest,
  type HistoryQueryReply,
  type HistoryQueryRequest,
  MAX_CONVS_BATCH,
  type PositionsReply,
  type PositionsRequest,
  type ReadReply,
  type ReadRequest,
  type ServeContext,
} from '@natter/contracts';
import { HISTORY_PAGE, isRoom, isUser, NatterError } from '@natter/protocol';
import type { BackendHealth } from '@natter/service';
import { authorizeConv, requireConv } from './authorize.ts';
import type { MembershipCache } from './membership.ts';
import type { ConvsQuery, MessageStore } from './store.ts';
import { checkSeq, checkUser } from './validate.ts';

export interface QueryDeps {
  store: MessageStore;
  health: BackendHealth;
  membership: MembershipCache;
}

type Handler<Req, Rep> = (req: Req, ctx: ServeContext) => Promise<Rep>;

/**
 * `historyQuery`: a page of one conversation. With `user`, only for a conversation the user
 * is in; without, a gateway's own gap fill (trusted: the gateway already authorized the
 * session that needs it).
 */
export function queryHandler(
  deps: QueryDeps,
): Handler<HistoryQueryRequest, HistoryQueryReply | RawJson<HistoryQueryReply>> {
  return async (req, ctx) => {
    const conv = requireConv(req.conv);
    const before = req.before === undefined ? undefined : checkSeq(req.before, 'before');
    const after = req.after === undefined ? undefined : checkSeq(req.after, 'after');
    if (req.limit !== undefined && !Number.isSafeInteger(req.limit)) {
      throw new NatterError('bad_request', `limit: must be an integer from 1 to ${HISTORY_PAGE.max}`);
    }
    const limit = Math.min(Math.max(req.limit ?? HISTORY_PAGE.default, 1), HISTORY_PAGE.max);
    if (req.user !== undefined) await authorizeConv(deps.membership, checkUser(req.user), conv, ctx.trace);
    const opts = { before, after, limit };
    const page = deps.store.queryJson
      ? await deps.health.track(deps.store.queryJson(req.conv, opts))
      : await deps.health.track(deps.store.query(req.conv, opts));
    // An empty thread is one with no replies yet, or one of no message at all.
    const root = conv.thread;
    if (
      root &&
      ('count' in page ? page.count : page.messages.length) === 0 &&
      !(await deps.health.track(deps.store.message(root.parent, root.seq)))
    ) {
      throw new NatterError('not_found', `conv: no message ${root.seq} in ${root.parent} to have a thread`);
    }
    return 'json' in page ? page.json : page;
  };
}

/** `historyConvs`: the rooms the rooms service listed for the user, and the user's DMs. */
export function convsHandler(deps: QueryDeps): Handler<ConvsRequest, ConvsReply> {
  return async (req) => {
    const q = convsQuery(req);
    const convs = await deps.health.track(deps.store.convs(q.user, q.rooms, q.dms));
    return { convs };
  };
}

/** Rooms all items of one `historyConvsMany` may name together. */
const MAX_CONVS_BATCH_ROOMS = 100_000;

/** `historyConvsMany`: `historyConvs` for each item (a gateway's batch of concurrent hellos), one statement. */
export function convsManyHandler(deps: QueryDeps): Handler<ConvsManyRequest, ConvsManyReply> {
  return async (req) => {
    if (!Array.isArray(req.items) || req.items.length > MAX_CONVS_BATCH) {
      throw new NatterError(
        'bad_request',
        `items: an array of at most ${MAX_CONVS_BATCH} {user, rooms, dms}`,
      );
    }
    const items = req.items.map(convsQuery);
    if (items.reduce((n, q) => n + q.rooms.length, 0) > MAX_CONVS_BATCH_ROOMS) {
      throw new NatterError('bad_request', `items: at most ${MAX_CONVS_BATCH_ROOMS} rooms in all`);
    }
    return { convs: await deps.health.track(deps.store.convsMany(items)) };
  };
}

function convsQuery(req: Omit<ConvsRequest, 'v'>): ConvsQuery {
  if (typeof req !== 'object' || req === null) throw new NatterError('bad_request', 'items: must be objects');
  const user = checkUser(req.user);
  if (!Array.isArray(req.rooms) || !req.rooms.every(isRoom)) {
    throw new NatterError('bad_request', 'rooms: must be a list of room names');
  }
  return { user, rooms: req.rooms, dms: req.dms === true };
}

/** Users and rooms one `historyPositions` may name (the gateway batches below it). */
export const MAX_POSITIONS_BATCH = 1000;

/** `historyPositions`: where conversations are, for a gateway's position check (trusted: no user). */
export function positionsHandler(deps: QueryDeps): Handler<PositionsRequest, PositionsReply> {
  return async (req) => {
    if (!Array.isArray(req.users) || !req.users.every(isUser) || req.users.length > MAX_POSITIONS_BATCH) {
      throw new NatterError('bad_request', `users: a list of at most ${MAX_POSITIONS_BATCH} user ids`);
    }
    if (!Array.isArray(req.rooms) || !req.rooms.every(isRoom) || req.rooms.length > MAX_POSITIONS_BATCH) {
      throw new NatterError('bad_request', `rooms: a list of at most ${MAX_POSITIONS_BATCH} room names`);
    }
    const positions = await deps.health.track(deps.store.positions(req.users, req.rooms));
    return { positions };
  };
}

/**
 * A marker request (`read`, `received`, `receipts`) checked: its user, conversation and seq
 * valid, and the user in the conversation.
 */
export async function authorizedMarker(deps: QueryDeps, req: ReadRequest, trace: string) {
  const user = checkUser(req.user);
  const conv = requireConv(req.conv);
  const seq = checkSeq(req.seq, 'seq');
  await authorizeConv(deps.membership, user, conv, trace);
  return { user, conv, seq };
}

/** `historyRead`: moves the user's read marker of a conversation they are in. */
export function readHandler(deps: QueryDeps): Handler<ReadRequest, ReadReply> {
  return async (req, ctx) => {
    const { user, seq } = await authorizedMarker(deps, req, ctx.trace);
    const read = await deps.health.track(deps.store.markRead(user, req.conv, seq));
    return { read };
  };
}
