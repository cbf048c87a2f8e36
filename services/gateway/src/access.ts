import { NatterError, parseConv } from '@natter/protocol';
import type { GatewayContext } from './context.ts';
import type { Session } from './session.ts';

/** `conv` parsed; `bad_request` naming it when it is not a conversation id. */
export function conv(c: string) {
  const parsed = parseConv(c);
  if (!parsed)
    throw new NatterError(
      'bad_request',
      `conv: ${JSON.stringify(c)} is not room:<room> or dm:<a>:<b> (a < b)`,
    );
  return parsed;
}

/** Membership as this gateway knows it (kept current by membership events). */
export function requireMember(gw: GatewayContext, s: Session, room: string): void {
  if (!gw.registry.isMember(s.user, room)) throw new NatterError('forbidden', `not a member of room:${room}`);
}
