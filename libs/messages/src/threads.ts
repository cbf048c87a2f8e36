import { parseConv } from '@natter/protocol';

/** The first writers a thread root's summary names (PROTOCOL 1.1 "Threads"). */
export const THREAD_USERS = 10;

/**
 * Whether `convs` may list `conv`, one of the user's recorded conversations, given the rooms
 * the user is in now: a room's thread only while the user is in the room.
 */
export function listed(conv: string, rooms: string[]): boolean {
  const c = parseConv(conv);
  return !c?.thread || c.kind !== 'room' || rooms.includes(c.room);
}
