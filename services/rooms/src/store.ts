import { type Config, defaultConfig } from '@natter/config';
import { NatterError } from '@natter/protocol';

/** Ceilings a join or create must stay under (config: NATTER_MAX_ROOMS_PER_USER, NATTER_MAX_ROOM_MEMBERS). */
export interface RoomLimits {
  maxRoomsPerUser: number;
  maxRoomMembers: number;
}

export function roomLimits(config: Pick<Config, 'maxRoomsPerUser' | 'maxRoomMembers'>): RoomLimits {
  return { maxRoomsPerUser: config.maxRoomsPerUser, maxRoomMembers: config.maxRoomMembers };
}

/** The limits of the default configuration, for a caller that passes none (tools, tests). */
export const UNCONFIGURED_ROOM_LIMITS = roomLimits(defaultConfig());

export interface RoomSummary {
  room: string;
  private: boolean;
  /** Member count at the time of the listing. */
  members: number;
  /** The room's membership version at the time of the listing. */
  ver: number;
  /**
   * The listing user's role there (a list of the user's own rooms only): its creator is the
   * `owner` until roles and moderation land (PROTOCOL-1.1 section 2), everyone else `member`.
   */
  role?: 'owner' | 'member';
}

export interface Roster {
  exists: boolean;
  private: boolean;
  /** Every member, sorted by user id (byte order). Empty when the room does not exist. */
  members: string[];
  /** The room's membership version of this snapshot (0 when the room does not exist). */
  ver: number;
  /** Who owns the room: its creator until roles land (`rooms.created_by`). */
  owner?: string;
}

export interface JoinResult {
  /** False when the user was already a member. */
  joined: boolean;
  /** True for exactly one caller: the join that created the (public) room. */
  created: boolean;
  /** The room's membership version after the join (see `Membership`). */
  ver: number;
  /** The room's member count after a join that happened (`joined: true`). */
  members?: number;
}

/**
 * A user's membership of a room and the room's membership version when it was read.
 * Every join and leave of a room takes the room's next version in the same atomic step, so
 * of two answers about one room, the one with the higher version is the newer.
 */
export interface Membership {
  member: boolean;
  ver: number;
}

/** An unused invitation: into `room`, by `by`, at `ts` (RFC 3339). */
export interface Invitation {
  room: string;
  by: string;
  ts: string;
}

/**
 * Rooms, their members and pending invitations. Every operation is atomic: it either
 * happens whole or not at all, and concurrent operations (from any number of service
 * instances sharing the backend) behave as if run one after another.
 *
 * Errors are NatterErrors the service passes to callers as they are:
 * - `forbidden`: a private room without an invitation, an inviter who is not a member, or a
 *   limit reached (the message names the limit);
 * - `conflict`: `create` of a name that exists;
 * - `not_found`: `invite` / `leave` of a room that does not exist;
 * - `unavailable`: the backend cannot be reached (nothing was changed).
 *
 * Invitations: an invitation lets exactly one join through and is consumed by it, so a
 * member who leaves a private room needs a new invitation to come back; a declined one is
 * gone, so it lets nobody in. Inviting a member records nothing; inviting again renews
 * the invitation (its inviter and time). Rooms are never deleted, even when their last member leaves (the name
 * and its history stay reserved).
 */
export interface RoomStore {
  /**
   * Makes `user` a member, creating `room` as public when it does not exist. A private room
   * needs an invitation (`forbidden` otherwise); joining twice is `{ joined: false }`.
   * Limits are checked only when the user is not already a member.
   */
  join(room: string, user: string, limits?: RoomLimits): Promise<JoinResult>;
  /** Creates `room` with `user` as its only member; `conflict` when the name exists. */
  create(room: string, user: string, isPrivate: boolean, limits?: RoomLimits): Promise<{ ver: number }>;
  /**
   * `by` (a member, else `forbidden`) invites `user`; a no-op when `user` is a member
   * (`invited: false`). `private`: the room's privacy, for the invitee's notice.
   */
  invite(room: string, by: string, user: string): Promise<{ invited: boolean; private: boolean }>;
  /** The unused invitations of `user`, newest first, at most `limit`. */
  invites(user: string, limit: number): Promise<Invitation[]>;
  /** Drops the invitation of `user` into `room`; none (or no such room) is not an error. */
  decline(room: string, user: string): Promise<void>;
  /** Removes `user`; `left: false` when it was not a member (not an error). `members`: the count after a leave. */
  leave(room: string, user: string): Promise<{ left: boolean; ver: number; members?: number }>;
  /**
   * Whether each user is a member of each room, with the room's membership version, in the
   * order asked; a room that does not exist answers `{ member: false, ver: 0 }`.
   */
  memberships(pairs: { room: string; user: string }[]): Promise<Membership[]>;
  /** The user's rooms, sorted by name. */
  listMine(user: string): Promise<RoomSummary[]>;
  /** `listMine` of each user, in the order asked, from one snapshot. */
  listMineMany(users: string[]): Promise<RoomSummary[][]>;
  /** Public rooms whose name starts with `prefix` (taken literally), sorted by name, at most `limit`. */
  listPublic(prefix: string, limit: number): Promise<RoomSummary[]>;
  /** One consistent snapshot of a room's privacy and members. */
  roster(room: string): Promise<Roster>;
  /** Resolves when the backend answers; rejects with `unavailable` when it does not. */
  ping(): Promise<void>;
}

// One wording for both implementations, so the contract suite can hold them to it.

export function privateRoomError(room: string): NatterError {
  return new NatterError('forbidden', `room: cannot join "${room}" without an invitation from a member`);
}

export function roomExistsError(room: string): NatterError {
  return new NatterError('conflict', `room: "${room}" already exists`);
}

export function noRoomError(room: string): NatterError {
  return new NatterError('not_found', `room: "${room}" does not exist`);
}

export function notMemberError(room: string, user: string): NatterError {
  return new NatterError('forbidden', `room: "${user}" is not a member of "${room}"`);
}

export function roomsPerUserError(user: string, limits: RoomLimits): NatterError {
  return new NatterError(
    'forbidden',
    `room: "${user}" is in ${limits.maxRoomsPerUser} rooms, the rooms-per-user limit; leave one first`,
  );
}

export function roomFullError(room: string, limits: RoomLimits): NatterError {
  return new NatterError(
    'forbidden',
    `room: "${room}" has ${limits.maxRoomMembers} members, the members-per-room limit`,
  );
}
