import type { Bus } from '@natter/bus';
import {
  emit,
  MAX_LIST_BATCH,
  type Rpc,
  type RpcClient,
  type ServeContext,
  type Subjects,
} from '@natter/contracts';
import {
  INVITES_MAX,
  isRoom,
  isUser,
  NatterError,
  type PresenceView,
  ROOM_RE,
  ROOMS_PAGE,
  USER_RE,
} from '@natter/protocol';
import type { BackendHealth } from '@natter/service';
import { announceMembership } from './membership-events.ts';
import type { RosterCache } from './roster-cache.ts';
import { notMemberError, type RoomLimits, type RoomStore } from './store.ts';

/** Users per presenceQuery, so a big room's members never make one oversized bus message. */
const PRESENCE_BATCH = 500;
/** Most pairs one `rooms.membership` confirms. */
export const MEMBERSHIP_BATCH = 500;

export interface HandlerDeps {
  bus: Bus;
  subjects: Subjects;
  store: RoomStore;
  cache: RosterCache;
  health: BackendHealth;
  rpc: RpcClient;
  limits: RoomLimits;
  /** Rooms with more members do not announce joins and leaves to them (NATTER_ROOM_ANNOUNCE_MAX). */
  announceMax: number;
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

  /** The cache takes the change before announcing, so the roster this instance serves next is current. */
  const changed = (
    room: string,
    user: string,
    kind: 'joined' | 'left',
    ver: number,
    ctx: ServeContext,
    members?: number,
  ) => {
    d.cache.change(room, user, kind === 'joined', ver);
    const quiet = members !== undefined && members > d.announceMax;
    announceMembership(d.bus, d.subjects, { room, user, kind, ver, quiet }, ctx.trace);
    ctx.log.debug({ room, kind }, 'membership changed');
  };

  return {
    'rooms.join': async (req, ctx) => {
      checkIds(req);
      const { joined, ver, members } = await db(d.store.join(req.room, req.user, d.limits));
      if (joined) changed(req.room, req.user, 'joined', ver, ctx, members);
      return { room: req.room, joined, ver };
    },

    'rooms.create': async (req, ctx) => {
      checkIds(req);
      const { ver } = await db(d.store.create(req.room, req.user, req.private === true, d.limits));
      changed(req.room, req.user, 'joined', ver, ctx);
      return { room: req.room, joined: true, ver };
    },

    'rooms.invite': async (req, ctx) => {
      checkIds(req);
      if (!isUser(req.invitee)) throw new NatterError('bad_request', `user: must match ${USER_RE.source}`);
      // A room that does not exist answers like one the inviter is not in (see members).
      const out = await db(d.store.invite(req.room, req.user, req.invitee)).catch((err: unknown) => {
        throw err instanceof NatterError && err.code === 'not_found'
          ? notMemberError(req.room, req.user)
          : err;
      });
      // Stored first, then told: the invitee's sessions (on any gateway) hear of it at once, and
      // `invites` lists it for those who were offline. Inviting a member tells nobody.
      if (out.invited) {
        const event = { kind: 'invited', room: req.room, by: req.user, private: out.private } as const;
        emit(d.bus, d.subjects, 'user', req.invitee, { event }, ctx.trace);
      }
      return {};
    },

    'rooms.invites': async (req) => {
      if (!isUser(req.user)) throw new NatterError('bad_request', `user: must match ${USER_RE.source}`);
      return { invites: await db(d.store.invites(req.user, INVITES_MAX)) };
    },

    'rooms.decline': async (req) => {
      checkIds(req);
      await db(d.store.decline(req.room, req.user));
      return {};
    },

    'rooms.leave': async (req, ctx) => {
      checkIds(req);
      // Leaving a room one is not in is not an error, and a room that does not exist answers
      // the same (it must not tell a guess from a hidden private room).
      const out: { left: boolean; ver: number; members?: number } = await db(
        d.store.leave(req.room, req.user),
      ).catch((err: unknown) => {
        if (err instanceof NatterError && err.code === 'not_found') return { left: false, ver: 0 };
        throw err;
      });
      const { left, ver } = out;
      if (left) changed(req.room, req.user, 'left', ver, ctx, out.members);
      return { ver };
    },

    'rooms.list': async (req) => {
      if (!isUser(req.user)) throw new NatterError('bad_request', `user: must match ${USER_RE.source}`);
      if (!req.public) return { rooms: await db(d.store.listMine(req.user)) };
      const limit = req.limit ?? ROOMS_PAGE.default;
      if (!Number.isInteger(limit) || limit < 1 || limit > ROOMS_PAGE.max) {
        throw new NatterError('bad_request', `limit: must be an integer from 1 to ${ROOMS_PAGE.max}`);
      }
      const prefix = req.prefix ?? '';
      if (typeof prefix !== 'string' || prefix.length > 64) {
        throw new NatterError('bad_request', 'prefix: must be a string of at most 64 characters');
      }
      return { rooms: await db(d.store.listPublic(prefix, limit)) };
    },

    'rooms.listMany': async (req) => {
      if (!Array.isArray(req.users) || req.users.length > MAX_LIST_BATCH || !req.users.every(isUser)) {
        throw new NatterError('bad_request', `users: an array of at most ${MAX_LIST_BATCH} user ids`);
      }
      return { lists: await db(d.store.listMineMany(req.users)) };
    },

    'rooms.members': async (req, ctx) => {
      checkIds(req);
      const cached = await db(d.cache.get(req.room));
      // One answer for "no such room" and "not a member", so nobody outside a private room
      // learns that it exists (docs/protocol.md, "What answers reveal").
      if (!cached.roster.exists || !cached.isMember(req.user)) {
        throw new NatterError('forbidden', `room: only members of "${req.room}" can list its members`);
      }
      return { members: await presenceOf(d.rpc, cached.roster.members, ctx) };
    },

    'rooms.membership': async (req) => {
      if (!Array.isArray(req.pairs) || req.pairs.length > MEMBERSHIP_BATCH) {
        throw new NatterError('bad_request', `pairs: an array of at most ${MEMBERSHIP_BATCH} {room, user}`);
      }
      for (const p of req.pairs) checkIds(p);
      return { memberships: await db(d.store.memberships(req.pairs)) };
    },

    'rooms.roster': async (req) => {
      if (!isRoom(req.room)) return { exists: false, private: false, members: [] };
      const { roster } = await db(d.cache.get(req.room));
      return { exists: roster.exists, private: roster.private, members: roster.members, owner: roster.owner };
    },
  };
}

function checkIds(req: { room: string; user: string }): void {
  if (!isRoom(req.room)) throw new NatterError('bad_request', `room: must match ${ROOM_RE.source}`);
  if (!isUser(req.user)) throw new NatterError('bad_request', `user: must match ${USER_RE.source}`);
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
