/**
 * Every bus subject Natter uses, in one place. Never build a subject elsewhere.
 * User names may contain '.', so they never appear in a subject; room names and gateway
 * ids are subject-safe by their grammar.
 */
export const GATEWAY_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function subjects(ns: string) {
  return {
    /** request, queue `history`: store a message, reply SendReply. */
    msgSend: `${ns}.msg.send`,
    /**
     * request, queue `presence`: a stored direct message to route to both users' gateways.
     * A request, not an event, so history knows it was routed and retries until it is.
     */
    msgStoredDm: `${ns}.msg.stored.dm`,
    /** event to every gateway with a local member of the room (interest subscription). */
    room: (room: string) => `${ns}.room.${room}`,
    /** request, queue `history`. */
    historyQuery: `${ns}.history.query`,
    historyConvs: `${ns}.history.convs`,
    historyRead: `${ns}.history.read`,
    /** event: deliveries for the sessions of one gateway. */
    gwDeliver: (gatewayId: string) => `${ns}.gw.${gatewayId}.deliver`,
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
    /** event, queue `presence`: deliver an event to every session of some users. */
    presenceRoute: `${ns}.presence.route`,
    /** event to every gateway: a user came online or went offline. */
    presenceChanged: `${ns}.presence.changed`,
    /** requests, queue `rooms`. */
    rooms: (op: RoomsOp) => `${ns}.rooms.${op}`,
    /** event: a room's membership changed (caches drop the room). */
    roomsChanged: `${ns}.rooms.changed`,
  } as const;
}

export type RoomsOp = 'join' | 'create' | 'invite' | 'leave' | 'list' | 'members' | 'roster' | 'membership';
export type Subjects = ReturnType<typeof subjects>;

export const QUEUE = { history: 'history', presence: 'presence', rooms: 'rooms' } as const;
