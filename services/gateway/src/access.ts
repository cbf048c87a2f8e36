import { NatterError, type ParsedConv, parseConv } from '@natter/protocol';
import type { GatewayContext } from './context.ts';
import type { Session } from './session.ts';

/** `conv` parsed; `bad_request` naming it when it is not a conversation id. */
export function conv(c: string) {
  const parsed = parseConv(c);
  if (!parsed)
    throw new NatterError(
      'bad_request',
      `conv: ${JSON.stringify(c)} is not room:<room>, dm:<a>:<b> (a < b) or thread:<room or dm conv>:<seq> (threads do not nest)`,
    );
  return parsed;
}

/** Membership as this gateway knows it (kept current by membership events). */
export function requireMember(gw: GatewayContext, s: Session, room: string): void {
  if (!gw.registry.isMember(s.user, room)) throw new NatterError('forbidden', `not a member of room:${room}`);
}

/**
 * `conv` parsed, and the session's user in it as far as this gateway knows (history checks
 * again). A thread's members are its parent's: the room's, or the DM's two users.
 */
export function memberConv(gw: GatewayContext, s: Session, c: string): ParsedConv {
  const parsed = conv(c);
  if (parsed.kind === 'room') requireMember(gw, s, parsed.room);
  else if (!parsed.users.includes(s.user))
    throw new NatterError('forbidden', `conv: not a participant of ${c}`);
  return parsed;
}
