import type { Bus } from '@natter/bus';
import { emit, type Subjects } from '@natter/contracts';

/**
 * Announces one membership change, in this order, before the caller gets its reply:
 * 1. `roomsChanged`: caches (history's authorization, other rooms instances) apply the change
 *    (or drop the room when they are not one version behind).
 *    It goes first so that history has it before the caller, answered, can send.
 * 2. a `joined` / `left` RoomEvent on the room's subject: gateways with members online
 *    deliver it to them, and apply a `left` to the leaver's sessions they hold.
 * 3. a `membership` UserDelivery on the user's subject: every gateway holding one of the
 *    user's sessions updates its membership cache (and subscribes to / leaves the room subject).
 * All three carry the request's trace id and the change's membership version, so a gateway
 * that gets them late, twice, or after a newer change applies only the newest. Publishes
 * from one connection arrive in order.
 */
export function announceMembership(
  bus: Bus,
  s: Subjects,
  change: { room: string; user: string; kind: 'joined' | 'left'; ver: number; quiet?: boolean },
  trace: string,
): void {
  const { room, user, kind, ver, quiet } = change;
  emit(bus, s, 'roomsChanged', { room, change: { user, member: kind === 'joined', ver } }, trace);
  emit(bus, s, 'room', room, quiet ? { kind, room, user, ver, quiet } : { kind, room, user, ver }, trace);
  emit(bus, s, 'user', user, { event: { kind: 'membership', room, member: kind === 'joined', ver } }, trace);
}
