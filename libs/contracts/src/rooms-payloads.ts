import type { PresenceView } from '@natter/protocol';
import type { PayloadVersion } from './events.ts';

/** Most users one `rooms.listMany` (and one `pushLevels`) may carry. */
export const MAX_LIST_BATCH = 500;

export interface RoomJoinRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomJoinReply {
  room: string;
  /** False when the user was already a member (joining twice is not an error). */
  joined: boolean;
  /** The room's membership version after the join (RoomMembershipReply). */
  ver: number;
}
export interface RoomCreateRequest {
  v: PayloadVersion;
  user: string;
  room: string;
  private: boolean;
}
export interface RoomInviteRequest {
  v: PayloadVersion;
  user: string;
  room: string;
  invitee: string;
}
/** The user's own unused invitations (`invites`), newest first, at most INVITES_MAX. */
export interface RoomInvitesRequest {
  v: PayloadVersion;
  user: string;
}
export interface RoomInvitesReply {
  invites: { room: string; by: string; ts: string }[];
}
/** Drops the user's own invitation into `room` (`decline`); none is not an error. */
export interface RoomDeclineRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomLeaveRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomListRequest {
  v: PayloadVersion;
  user: string;
  /** List public rooms (by prefix) instead of the user's own. */
  public?: boolean;
  prefix?: string;
  limit?: number;
}
/**
 * The own rooms of many users at once (the gateway batches concurrent `hello`s): one list
 * per user, in the order asked, each what `rooms.list` answers that user. At most
 * MAX_LIST_BATCH users.
 */
export interface RoomListManyRequest {
  v: PayloadVersion;
  users: string[];
}
export interface RoomListManyReply {
  lists: RoomListReply['rooms'][];
}
export interface RoomListReply {
  /** `ver`: the room's membership version when listed. */
  /** `role`: the listing user's, in a list of their own rooms (the creator is `owner`). */
  rooms: { room: string; members: number; private: boolean; ver: number; role?: 'owner' | 'member' }[];
}
export interface RoomLeaveReply {
  /** The room's membership version after the leave. */
  ver: number;
}
/**
 * Confirms memberships, in the order asked (at most 500 pairs). Every join and leave of a
 * room takes the room's next membership version with it, so of two answers about one room
 * the higher `ver` is the newer: gateways keep the newest they have seen per user and room.
 */
export interface RoomMembershipRequest {
  v: PayloadVersion;
  pairs: { room: string; user: string }[];
}
export interface RoomMembershipReply {
  memberships: { member: boolean; ver: number }[];
}
export interface RoomMembersRequest {
  v: PayloadVersion;
  user: string;
  room: string;
}
export interface RoomMembersReply {
  members: PresenceView[];
}
/** Membership of a room for caches (history's authorization). */
export interface RoomRosterRequest {
  v: PayloadVersion;
  room: string;
}
export interface RoomRosterReply {
  exists: boolean;
  private: boolean;
  members: string[];
  /** The room's owner (until roles land: its creator); absent when the room does not exist. */
  owner?: string;
}
export interface RoomsChangedEvent {
  room: string;
  /**
   * The change, when it was one member joining or leaving, with the room's membership version
   * after it: a cache one version behind applies it in place; without it, caches drop the room.
   */
  change?: { user: string; member: boolean; ver: number };
}
