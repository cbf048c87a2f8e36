import type { PresenceChangedEvent, RoomEvent, RpcClient, UserDelivery } from '@natter/contracts';
import type { Logger } from '@natter/log';
import { type MessageView, parseConv } from '@natter/protocol';
import { encodeFrame } from './frames.ts';
import { onMembershipEvent } from './membership.ts';
import type { Metrics } from './metrics.ts';
import { changeDelivery, type Ordering, toDelivery } from './ordering.ts';
import type { Registry } from './registry.ts';

/** What delivering bus events to local sessions needs of the gateway. */
export interface EventTargets {
  readonly registry: Registry;
  readonly ordering: Ordering;
  readonly metrics: Metrics;
  readonly rpc: RpcClient;
  readonly log: Logger;
}

/** Whether `user` is one of the two users of DM conversation `conv`. */
export function inDm(conv: string, user: string): boolean {
  const c = parseConv(conv);
  return c?.kind === 'dm' && c.users.includes(user);
}

/**
 * A live message into the ordering edge, timed: how long after its store it got here, and how
 * long handing it to the local sessions took (push is synchronous; a message that has to wait
 * for a gap counts only its arrival). The two hops of a room message's delivery the gateway
 * owns, so a slow fanout can be told from a slow bus or a slow client (bench `storm`).
 */
function pushTimed(t: EventTargets, kind: 'room' | 'dm', msg: MessageView, originSession?: string): void {
  const stored = Date.parse(msg.ts);
  if (Number.isFinite(stored))
    t.metrics.deliveryLag.observe({ kind }, Math.max(0, Date.now() - stored) / 1000);
  const t0 = performance.now();
  t.ordering.push(toDelivery(msg, originSession));
  t.metrics.fanoutSeconds.observe({ kind }, (performance.now() - t0) / 1000);
}

/**
 * An event on a room's subject, for the local sessions of its members. Stored messages and
 * changes of them go through the ordering edge; the rest are encoded once and the same bytes go to every
 * session. A user's own `joined`/`left` comes by the membership route instead (below).
 */
export function deliverRoomEvent(t: EventTargets, room: string, e: RoomEvent): void {
  switch (e.kind) {
    case 'message':
      t.metrics.deliveries.inc({ kind: 'room' });
      pushTimed(t, 'room', e.msg, e.origin?.session);
      return;
    case 'change':
      t.ordering.push(changeDelivery(e.change, e.origin?.session));
      return;
    case 'joined':
    case 'left': {
      // A quiet change (a room past NATTER_ROOM_ANNOUNCE_MAX) is not shown to the members.
      if (!e.quiet) {
        const frame = encodeFrame({ ev: e.kind, room: e.room, user: e.user });
        for (const s of t.registry.sessionsInRoom(room)) if (s.user !== e.user) s.sendRaw(frame);
      }
      // A second path for the leaver's own sessions here, besides the membership route: a
      // gateway delivering the room to them is subscribed to it, so it hears this.
      if (e.kind === 'left') t.registry.applyMembership(e.user, room, false, e.ver);
      return;
    }
    case 'typing': {
      const frame = encodeFrame({ ev: 'typing', conv: e.conv, user: e.user });
      for (const s of t.registry.sessionsInRoom(room)) if (s.user !== e.user) s.sendRaw(frame);
      return;
    }
    case 'read': {
      const frame = encodeFrame({ ev: 'read', conv: e.conv, user: e.user, seq: e.seq });
      for (const s of t.registry.sessionsInRoom(room)) if (s.id !== e.origin?.session) s.sendRaw(frame);
      return;
    }
  }
}

/**
 * An event on the subject of `user`, one of this gateway's users: a DM, DM typing, read or received,
 * or the user's own membership change. Stored DMs go through the ordering edge, which drops
 * the second copy a gateway holding both users gets.
 */
export function deliverToUser(t: EventTargets, user: string, d: UserDelivery): void {
  const e = d.event;
  switch (e.kind) {
    case 'message':
      t.metrics.deliveries.inc({ kind: 'dm' });
      pushTimed(t, 'dm', e.msg, d.origin?.session);
      return;
    case 'change':
      t.ordering.push(changeDelivery(e.change, d.origin?.session));
      return;
    // DM typing and read reach the two users of the conversation and nobody else, whatever
    // subject they came on.
    case 'typing': {
      if (user === e.user || !inDm(e.conv, user)) return;
      const frame = encodeFrame({ ev: 'typing', conv: e.conv, user: e.user });
      for (const s of t.registry.sessionsOfUser(user)) s.sendRaw(frame);
      return;
    }
    case 'read': {
      if (!inDm(e.conv, user)) return;
      const frame = encodeFrame({ ev: 'read', conv: e.conv, user: e.user, seq: e.seq });
      for (const s of t.registry.sessionsOfUser(user)) if (s.id !== d.origin?.session) s.sendRaw(frame);
      return;
    }
    case 'received': {
      // The other user of the DM only: one's own devices need not hear where they are.
      if (user === e.user || !inDm(e.conv, user)) return;
      const frame = encodeFrame({ ev: 'received', conv: e.conv, user: e.user, seq: e.seq });
      for (const s of t.registry.sessionsOfUser(user)) s.sendRaw(frame);
      return;
    }
    case 'invited': {
      const frame = encodeFrame({ ev: 'invited', room: e.room, by: e.by, private: e.private });
      for (const s of t.registry.sessionsOfUser(user)) s.sendRaw(frame);
      return;
    }
    case 'membership': {
      // The user joined or left from some session: every gateway holding the user's
      // sessions updates membership (and so its room subscriptions) and tells them.
      if (!t.registry.hasUser(user)) return;
      onMembershipEvent(
        t.rpc,
        t.registry,
        t.log,
        { user, room: e.room, member: e.member, ver: e.ver },
        () => {
          const frame = encodeFrame({ ev: e.member ? 'joined' : 'left', room: e.room, user });
          for (const s of t.registry.sessionsOfUser(user)) s.sendRaw(frame);
        },
      );
      return;
    }
  }
}

/** A user came online or went offline: tell the local sessions watching them. */
export function deliverPresence(t: EventTargets, e: PresenceChangedEvent): void {
  const frame = encodeFrame(
    e.online
      ? { ev: 'presence', user: e.user, online: true }
      : { ev: 'presence', user: e.user, online: false, lastSeen: e.lastSeen },
  );
  for (const s of t.registry.watchersOf(e.user)) s.sendRaw(frame);
}
