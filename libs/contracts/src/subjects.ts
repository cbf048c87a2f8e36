/**
 * Every bus subject Natter uses, in one place. Never build a subject elsewhere.
 * Room names and gateway ids are subject-safe by their grammar; user ids may contain '.',
 * the token separator, which `userToken` maps to '~' (not in the user grammar), so every
 * valid user id is exactly one subject token and two ids never share one.
 */
export const GATEWAY_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A user id as one subject token (see above). */
export function userToken(user: string): string {
  return user.replaceAll('.', '~');
}

/** The user id a subject token stands for (the inverse of userToken). */
export function userOfToken(token: string): string {
  return token.replaceAll('~', '.');
}

export function subjects(ns: string) {
  return {
    /** request, queue `history`: store a message, reply SendReply. */
    msgSend: `${ns}.msg.send`,
    /** event to every gateway with a local member of the room (interest subscription). */
    room: (room: string) => `${ns}.room.${room}`,
    /** event to every gateway with a session of the user (interest subscription). */
    user: (user: string) => `${ns}.user.${userToken(user)}`,
    /** request, queue `history`. */
    historyQuery: `${ns}.history.query`,
    historyPositions: `${ns}.history.positions`,
    historyConvs: `${ns}.history.convs`,
    historyConvsMany: `${ns}.history.convsMany`,
    historyRead: `${ns}.history.read`,
    /** request, queue `history`: edit, delete, react, unreact, pin, unpin a stored message. */
    historyChange: `${ns}.history.change`,
    /** request, queue `history`: the changes of a conversation after a `ver`. */
    historyChanges: `${ns}.history.changes`,
    historyPins: `${ns}.history.pins`,
    historyReceived: `${ns}.history.received`,
    historyReceipts: `${ns}.history.receipts`,
    /** request, queue `history`: some users' markers of one conversation (the push decision). */
    historyMarkers: `${ns}.history.markers`,
    /** requests, queue `push`: devices and notify levels. */
    pushRegister: `${ns}.push.register`,
    pushUnregister: `${ns}.push.unregister`,
    pushNotify: `${ns}.push.notify`,
    /** request, queue `push`: the notify levels of many users (hello's `convs`). */
    pushLevels: `${ns}.push.levels`,
    /** event, every gateway every few seconds (queue `presence`). */
    gwHeartbeat: `${ns}.gw.heartbeat`,
    /** event to every gateway: the presence service lost its state; re-announce sessions. */
    presenceResync: `${ns}.presence.resync`,
    /** request, queue `presence`: register sessions (connect and re-announce). */
    presenceConnect: `${ns}.presence.connect`,
    /** event, queue `presence`. */
    presenceDisconnect: `${ns}.presence.disconnect`,
    /** request, queue `presence`. */
    presenceQuery: `${ns}.presence.query`,
    /** event to every gateway: a user came online or went offline. */
    presenceChanged: `${ns}.presence.changed`,
    /** requests, queue `rooms`. */
    rooms: (op: RoomsOp) => `${ns}.rooms.${op}`,
    /** request, queue `hooks`: a page of the event log (GET /v1/events). */
    eventsRead: `${ns}.events.read`,
    /** event: a room's membership changed (caches drop the room). */
    roomsChanged: `${ns}.rooms.changed`,
  } as const;
}

export type RoomsOp =
  | 'join'
  | 'create'
  | 'invite'
  | 'invites'
  | 'decline'
  | 'leave'
  | 'list'
  | 'listMany'
  | 'members'
  | 'roster'
  | 'membership';
export type Subjects = ReturnType<typeof subjects>;

export const QUEUE = {
  history: 'history',
  presence: 'presence',
  rooms: 'rooms',
  hooks: 'hooks',
  push: 'push',
} as const;
