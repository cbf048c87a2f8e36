import type { RpcClient } from '@natter/contracts';
import type { Logger } from '@natter/log';
import type { Registry } from './registry.ts';

/** Pairs per `rooms.membership` request (the rooms service's own bound). */
const BATCH = 500;

/**
 * Asks the rooms service whether each user is a member of each room and applies the
 * answers (versioned: an answer older than what the registry has changes nothing).
 */
export async function confirmMemberships(
  rpc: RpcClient,
  registry: Registry,
  pairs: { room: string; user: string }[],
  trace?: string,
): Promise<void> {
  for (let i = 0; i < pairs.length; i += BATCH) {
    const batch = pairs.slice(i, i + BATCH);
    const { memberships } = await rpc.call('rooms.membership', { v: 1, pairs: batch }, { trace });
    for (const [k, { room, user }] of batch.entries()) {
      const m = memberships[k];
      if (m) registry.applyMembership(user, room, m.member, m.ver);
    }
  }
}

/**
 * A membership announcement for a user this gateway holds. A `left` is applied as it comes
 * (removing is always safe). A `joined` is applied when the gateway already has a versioned
 * answer about the pair to compare it with; otherwise it is confirmed with the rooms service
 * first, because without a version a `joined` overtaken by its `left` would look current.
 * `announce` (telling the user's sessions) runs only for an announcement that is still
 * current: one older than what the gateway knows would show them a stale room list.
 */
export function onMembershipEvent(
  rpc: RpcClient,
  registry: Registry,
  log: Logger,
  change: { user: string; room: string; member: boolean; ver: number },
  announce: () => void,
  trace?: string,
): void {
  const { user, room, member, ver } = change;
  if (!registry.hasUser(user)) return;
  const current = () => (registry.versionOf(user, room) ?? ver) <= ver;
  if (!member || registry.knows(user, room)) {
    registry.applyMembership(user, room, member, ver);
    if (current()) announce();
    return;
  }
  confirmMemberships(rpc, registry, [{ room, user }], trace).then(
    () => {
      if (current()) announce();
    },
    (err: unknown) =>
      log.warn({ err, room, user }, 'could not confirm a membership; the periodic check will'),
  );
}

/**
 * Checks each membership the gateway believes in against the rooms service. Announcements
 * travel over core NATS (at most once): a `left` this gateway never got would otherwise keep
 * delivering a room to someone who is no longer in it. Run every NATTER_MEMBERSHIP_CHECK_SEC,
 * it bounds that to one interval, and removes nothing that is current.
 */
export function checkMemberships(rpc: RpcClient, registry: Registry): Promise<void> {
  return confirmMemberships(rpc, registry, [...registry.memberships()]);
}
