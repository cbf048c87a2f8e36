import {
  MAX_MARKERS_BATCH,
  type MarkersReply,
  type MarkersRequest,
  type ReceiptsReply,
  type ReceiptsRequest,
  type ReceivedReply,
  type ReceivedRequest,
  type ServeContext,
} from '@natter/contracts';
import { NatterError, RECEIPTS_MAX } from '@natter/protocol';
import { requireConv } from './authorize.ts';
import { authorizedMarker, type QueryDeps } from './queries.ts';
import { checkUser } from './validate.ts';

type Handler<Req, Rep> = (req: Req, ctx: ServeContext) => Promise<Rep>;

/**
 * `historyReceived`: moves the user's delivery marker of a conversation they are in.
 * Authorized from the roster cache and written in batches (the store's), so the hot path of
 * every client's once-a-second `received` reads nothing from Postgres.
 */
export function receivedHandler(deps: QueryDeps): Handler<ReceivedRequest, ReceivedReply> {
  return async (req, ctx) => {
    const { user, seq } = await authorizedMarker(deps, req, ctx.trace);
    if (seq === 0) return {};
    const received = await deps.health.track(deps.store.markReceived(user, req.conv, seq));
    return received === undefined ? {} : { received };
  };
}

/** `historyReceipts`: which members have (`received`) and have read (`read`) message `seq`. */
export function receiptsHandler(deps: QueryDeps): Handler<ReceiptsRequest, ReceiptsReply> {
  return async (req, ctx) => {
    if (req.seq === 0) throw new NatterError('bad_request', 'seq: must be a message seq (1 or more)');
    const { conv, seq } = await authorizedMarker(deps, req, ctx.trace);
    const latest = await deps.health.track(deps.store.latestSeq(req.conv));
    if (seq > latest) throw new NatterError('not_found', `seq: ${req.conv} has no message ${seq}`);
    const members =
      conv.kind === 'dm'
        ? [...new Set(conv.users)]
        : [...(await deps.membership.roster(conv.room, ctx.trace)).members];
    return deps.health.track(deps.store.receipts(req.conv, seq, members, RECEIPTS_MAX));
  };
}

/**
 * `historyMarkers`: the markers of some users in one conversation, for the push service's
 * decision ("has one of their sessions received it?"). A service's question, not a user's:
 * no membership check, and nothing in it reaches a client.
 */
export function markersHandler(deps: QueryDeps): Handler<MarkersRequest, MarkersReply> {
  return async (req) => {
    requireConv(req.conv);
    if (!Array.isArray(req.users) || req.users.length > MAX_MARKERS_BATCH)
      throw new NatterError('bad_request', `users: expected at most ${MAX_MARKERS_BATCH} users`);
    for (const u of req.users) checkUser(u);
    return { markers: await deps.health.track(deps.store.markersOf(req.conv, req.users)) };
  };
}
