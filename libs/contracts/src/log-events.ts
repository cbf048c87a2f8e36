import type { MessageView } from '@natter/protocol';

/**
 * The event table (PROTOCOL 1.1 section 5): each event type and the shape of its `data`.
 * Adding an event is one entry here plus the write in the transaction of its change
 * (`logEvents` or a CTE into natter_events); readers and the webhook service need nothing
 * more. PRODUCED lists what the code writes today (docs/protocol.md says the same).
 */
export interface EventData {
  /** The message as history stores it (without the sender's `cid`). */
  'message.created': Omit<MessageView, 'cid'>;
  'message.edited': Omit<MessageView, 'cid'>;
  'message.deleted': Omit<MessageView, 'cid'>;
  'reaction.added': ReactionData;
  'reaction.removed': ReactionData;
  'member.joined': MemberData;
  /** `reason`: `left` (the member left) today; kicks and bans add theirs. */
  'member.left': MemberData & { reason: string };
  'member.role': MemberData & { role: string };
  'room.created': RoomData;
  'room.updated': RoomData;
  'user.online': { user: string };
  'user.offline': { user: string };
  'push.needed': {
    user: string;
    conv: string;
    seq: number;
    mid: string;
    from: string;
    text: string;
    count: number;
  };
}

export interface ReactionData {
  conv: string;
  seq: number;
  mid: string;
  user: string;
  emoji: string;
}

export interface MemberData {
  room: string;
  user: string;
  by?: string;
}

export interface RoomData {
  room: string;
  private: boolean;
  owner: string;
}

export type EventType = keyof EventData;

/** Every type of the table, for validating NATTER_WEBHOOK_EVENTS. */
export const EVENT_TYPES: readonly EventType[] = [
  'message.created',
  'message.edited',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'member.joined',
  'member.left',
  'member.role',
  'room.created',
  'room.updated',
  'user.online',
  'user.offline',
  'push.needed',
];

/** The types whose changes do not exist yet: roles and room settings (PROTOCOL-1.1 section 2). */
const NOT_YET: readonly EventType[] = ['member.role', 'room.updated'];

/** The types the code writes today: all but those. */
export const PRODUCED: readonly EventType[] = EVENT_TYPES.filter((t) => !NOT_YET.includes(t));

/** An event as the log, GET /v1/events and webhooks carry it. */
export type LoggedEvent = {
  [T in EventType]: { id: string; cursor: string; type: T; ts: string; data: EventData[T] };
}[EventType];

/** One event to write: a type and its data. */
export type NewEvent = { [T in EventType]: { type: T; data: EventData[T] } }[EventType];
