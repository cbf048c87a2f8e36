import type { Bus } from '@natter/bus';
import type { Rpc, RpcClient, ServeContext, Subjects } from '@natter/contracts';
import { isRoom, isUser, NatterError, type PresenceView } from '@natter/protocol';
import type { DbHealth } from './db-health.ts';
import { announceMembership } from './membership-events.ts';
import type { RosterCache } from './roster-cache.ts';
import type { RoomLimits, RoomStore } from './store.ts';

export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 200;
/** Users per presenceQuery, so a big room's members never make one oversized bus message. */
const PRESENCE_BATCH = 500;

export interface HandlerDeps {
  bus: Bus;
  subjects: Subjects;
  store: RoomStore;
  cache: RosterCache;
  health: DbHealth;
  rpc: RpcClient;
  limits: RoomLimits;
}

type RoomsKey = Extract<keyof Rpc, `rooms.${string}`>;
export type RoomsHandlers = {
  [K in RoomsKey]: (req: Rpc[K][0], ctx: ServeContext) => Promise<Rpc[K][1]>;
};

/**
 * The request handlers of the rooms service. Requests come from the gateway, which has
 * validated the frame; ids are still checked here because a malformed one would reach SQL
 * and subjects (`room.<room>`).
 */
export function createHandlers(d: HandlerDeps): RoomsHandlers {
  const db = <T>(p: Promise<T>) => d.health.track(p);

  /** The cache is dropped before announcing, so the roster this instance serves next is current. */
  const changed = (room: string, user: string, kind: 'joined' | 'left', ctx: ServeContext) => {
    d.cache.drop(room);
    announceMembership(d.bus, d.subjects, { room, user, kind }, ctx.trace);
    ctx.log.debug({ room, kind }, 'membership changed');
  };

  return {
    'rooms.join': async (req, ctx) => {
      checkIds(req);
      const { joined } = await db(d.store.join(req.room, req.user, d.limits));
      if (joined) changed(req.room, req.user, 'joined', ctx);
      return { room: req.room, joined };
    },

    'rooms.create': async (req, ctx) => {
      checkIds(req);
      await db(d.store.create(req.room, req.user, req.private === true, d.limits));
      changed(req.room, req.user, 'joined', ctx);
      return { room: req.room, joined: true };
    },

    'rooms.invite': async (req) => {
      checkIds(req);
      if (!isUser(req.invitee))
        throw new NatterError('bad_request', 'user: must match ^[A-Za-z0-9_.-]{1,64}$');
      await db(d.store.invite(req.room, req.user, req.invitee));
      return {};
    },

    'rooms.leave': async (req, ctx) => {
      checkIds(req);
      const { left } = await db(d.store.leave(req.room, req.user));
      if (left) changed(req.room, req.user, 'left', ctx);
      return {};
    },

    'rooms.list': async (req) => {
      if (!isUser(req.user)) throw new NatterError('bad_request', 'user: must match ^[A-Za-z0-9_.-]{1,64}$');
      if (!req.public) return { rooms: await db(d.store.listMine(req.user)) };
      const limit = req.limit ?? LIST_DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
        throw new NatterError('bad_request', `limit: must be an integer from 1 to ${LIST_MAX_LIMIT}`);
      }
      const prefix = req.prefix ?? '';
      if (typeof prefix !== 'string' || prefix.length > 64) {
        throw new NatterError('bad_request', 'prefix: must be a string of at most 64 characters');
      }
      return { rooms: await db(d.store.listPublic(prefix, limit)) };
    },

    'rooms.members': async (req, ctx) => {
      checkIds(req);
      const cached = await db(d.cache.get(req.room));
      if (!cached.roster.exists) throw new NatterError('not_found', `room: "${req.room}" does not exist`);
      if (!cached.isMember(req.user)) {
        throw new NatterError('forbidden', `room: only members of "${req.room}" can list its members`);
      }
      return { members: await presenceOf(d.rpc, cached.roster.members, ctx) };
    },

    'rooms.roster': async (req) => {
      if (!isRoom(req.room)) return { exists: false, private: false, members: [] };
      const { roster } = await db(d.cache.get(req.room));
      return { exists: roster.exists, private: roster.private, members: roster.members };
    },
  };
}

function checkIds(req: { room: string; user: string }): void {
  if (!isRoom(req.room)) throw new NatterError('bad_request', 'room: must match ^[a-z0-9][a-z0-9_-]{0,63}$');
  if (!isUser(req.user)) throw new NatterError('bad_request', 'user: must match ^[A-Za-z0-9_.-]{1,64}$');
}

/**
 * Online status of `users`, in their order. Presence is decoration on a list the rooms
 * service owns: when presence cannot answer, the members are listed as offline (and it is
 * logged) rather than failing the request.
 */
async function presenceOf(rpc: RpcClient, users: string[], ctx: ServeContext): Promise<PresenceView[]> {
  const batches: string[][] = [];
  for (let i = 0; i < users.length; i += PRESENCE_BATCH) batches.push(users.slice(i, i + PRESENCE_BATCH));
  const known = new Map<string, PresenceView>();
  try {
    const replies = await Promise.all(
      batches.map((batch) => rpc.call('presenceQuery', { v: 1, users: batch }, { trace: ctx.trace })),
    );
    for (const reply of replies) for (const p of reply.presence) known.set(p.user, p);
  } catch (err) {
    ctx.log.warn({ err, members: users.length }, 'presence did not answer; listing members as offline');
    known.clear();
  }
  return users.map((user) => known.get(user) ?? { user, online: false });
}
