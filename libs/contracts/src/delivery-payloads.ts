import type { ChangeEvent, MessageView } from '@natter/protocol';

// Deliveries to a gateway: what it receives on user and room subjects for its sessions.

/** Who sent a stored message, so the gateway can skip the sending session. */
export interface Origin {
  gw: string;
  session: string;
}

/**
 * An event for every live session of one user, on that user's subject (`user(<user>)`):
 * every gateway holding a session of the user subscribes it, so the broker carries one
 * copy to each of them and nothing for a user who is offline. A stored DM goes to both
 * users' subjects; a gateway holding both drops the second copy by `seq`.
 */
export interface UserDelivery {
  event: UserEvent;
  origin?: Origin;
}

/**
 * What a gateway receives for a user's sessions. `message` carries a stored DM (room
 * messages come on the room's subject), the others are ephemeral or control events.
 */
export type UserEvent =
  | { kind: 'message'; msg: MessageView }
  /** A change of a stored DM, as its users' sessions receive it. */
  | { kind: 'change'; change: ChangeEvent }
  | { kind: 'typing'; conv: string; user: string }
  | { kind: 'read'; conv: string; user: string; seq: number }
  /** A DM user's delivery marker moved: for the other user only. */
  | { kind: 'received'; conv: string; user: string; seq: number }
  /**
   * The user joined or left a room (from any session): gateways update membership. `ver` is
   * the room's membership version of the change; a gateway ignores one older than what it has.
   */
  | { kind: 'membership'; room: string; member: boolean; ver: number }
  /** The user was invited into `room` by `by` (the invitee need not be online anywhere). */
  | { kind: 'invited'; room: string; by: string; private: boolean };

export type RoomEvent =
  | { kind: 'message'; msg: MessageView; origin?: Origin }
  | { kind: 'change'; change: ChangeEvent; origin?: Origin }
  /**
   * `quiet`: the room is past NATTER_ROOM_ANNOUNCE_MAX members; gateways apply the change but do
   * not show it to the other members (a join storm into a big room would be O(members²) frames).
   */
  | { kind: 'joined' | 'left'; room: string; user: string; ver: number; quiet?: boolean }
  | { kind: 'typing'; conv: string; user: string; origin?: Origin }
  | { kind: 'read'; conv: string; user: string; seq: number; origin?: Origin };
