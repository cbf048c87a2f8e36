import { NatterError, type ParsedConv, parseConv } from '@natter/protocol';
import type { MembershipCache } from './membership.ts';

export const CONV_FORMS =
  'must be room:<room>, dm:<a>:<b> with a <= b, or thread:<room or dm conv>:<seq> (threads do not nest)';

/** Parses a conversation id from a request, or answers bad_request naming the field. */
export function requireConv(conv: unknown): ParsedConv {
  const parsed = typeof conv === 'string' ? parseConv(conv) : undefined;
  if (!parsed) throw new NatterError('bad_request', `conv: ${CONV_FORMS}`);
  return parsed;
}

/**
 * A user may read a conversation they are in: a room they are a member of (private or
 * public alike), or a DM they are one of the two users of.
 */
export async function authorizeConv(
  membership: MembershipCache,
  user: string,
  conv: ParsedConv,
  trace: string,
): Promise<void> {
  if (conv.kind === 'dm') {
    if (!conv.users.includes(user)) {
      throw new NatterError('forbidden', `not a participant of dm:${conv.users[0]}:${conv.users[1]}`);
    }
    return;
  }
  await authorizeRoom(membership, user, conv.room, trace);
}

export async function authorizeRoom(
  membership: MembershipCache,
  user: string,
  room: string,
  trace: string,
): Promise<void> {
  // "No such room" answers like "not a member": a private room's name is not confirmed to
  // anyone outside it (docs/protocol.md, "What answers reveal").
  const access = await membership.access(room, user, trace);
  if (access !== 'member') throw new NatterError('forbidden', `not a member of room:${room}`);
}

/** The room exists (server API posts need no membership). */
export async function requireRoom(membership: MembershipCache, room: string, trace: string): Promise<void> {
  if (!(await membership.exists(room, trace)))
    throw new NatterError('not_found', `room:${room} does not exist`);
}

/** No message `seq` in `conv` (also: a tombstone, for what a tombstone cannot take). */
export function messageNotFound(conv: string, seq: number): NatterError {
  return new NatterError('not_found', `seq: no message ${seq} in ${conv}`);
}
