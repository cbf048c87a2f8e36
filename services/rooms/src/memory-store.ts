import {
  type Invitation,
  type JoinResult,
  type Membership,
  noRoomError,
  notMemberError,
  privateRoomError,
  type RoomLimits,
  type RoomStore,
  type RoomSummary,
  type Roster,
  roomExistsError,
  roomFullError,
  roomsPerUserError,
  UNCONFIGURED_ROOM_LIMITS,
} from './store.ts';

interface Room {
  private: boolean;
  createdBy: string;
  createdAt: Date;
  members: Set<string>;
  /** Bumped by every join and leave (RoomStore: membership versions). */
  ver: number;
  /** invitee -> inviter and when */
  invites: Map<string, { by: string; at: Date }>;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * RoomStore in process memory, for unit tests and single-node mode without a database.
 * Each operation runs to completion without awaiting anything, so each is atomic.
 */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Room>();
  private readonly roomsOf = new Map<string, Set<string>>();

  async join(room: string, user: string, limits: RoomLimits = UNCONFIGURED_ROOM_LIMITS): Promise<JoinResult> {
    const existing = this.rooms.get(room);
    if (existing?.members.has(user)) return { joined: false, created: false, ver: existing.ver };
    if (existing?.private && !existing.invites.has(user)) throw privateRoomError(room);
    if (existing && existing.members.size >= limits.maxRoomMembers) throw roomFullError(room, limits);
    this.checkRoomsPerUser(user, limits);
    const r = existing ?? this.newRoom(room, user, false);
    r.invites.delete(user);
    this.addMember(room, r, user);
    return { joined: true, created: existing === undefined, ver: r.ver, members: r.members.size };
  }

  async create(
    room: string,
    user: string,
    isPrivate: boolean,
    limits: RoomLimits = UNCONFIGURED_ROOM_LIMITS,
  ): Promise<{ ver: number }> {
    if (this.rooms.has(room)) throw roomExistsError(room);
    this.checkRoomsPerUser(user, limits);
    const r = this.newRoom(room, user, isPrivate);
    this.addMember(room, r, user);
    return { ver: r.ver };
  }

  async invite(room: string, by: string, user: string): Promise<{ invited: boolean; private: boolean }> {
    const r = this.rooms.get(room);
    if (!r) throw noRoomError(room);
    if (!r.members.has(by)) throw notMemberError(room, by);
    if (r.members.has(user)) return { invited: false, private: r.private };
    // Deleted first so a renewed invitation moves to the end (the newest) of insertion order.
    r.invites.delete(user);
    r.invites.set(user, { by, at: new Date() });
    return { invited: true, private: r.private };
  }

  async invites(user: string, limit: number): Promise<Invitation[]> {
    const out: { room: string; by: string; at: Date }[] = [];
    for (const [room, r] of this.rooms) {
      const i = r.invites.get(user);
      if (i) out.push({ room, ...i });
    }
    out.sort((a, b) => b.at.getTime() - a.at.getTime() || byteOrder(a.room, b.room));
    return out.slice(0, limit).map((i) => ({ room: i.room, by: i.by, ts: i.at.toISOString() }));
  }

  async decline(room: string, user: string): Promise<void> {
    this.rooms.get(room)?.invites.delete(user);
  }

  async leave(room: string, user: string): Promise<{ left: boolean; ver: number; members?: number }> {
    const r = this.rooms.get(room);
    if (!r) throw noRoomError(room);
    if (!r.members.delete(user)) return { left: false, ver: r.ver };
    r.ver++;
    const mine = this.roomsOf.get(user);
    mine?.delete(room);
    if (mine?.size === 0) this.roomsOf.delete(user);
    return { left: true, ver: r.ver, members: r.members.size };
  }

  async memberships(pairs: { room: string; user: string }[]): Promise<Membership[]> {
    return pairs.map(({ room, user }) => {
      const r = this.rooms.get(room);
      return r ? { member: r.members.has(user), ver: r.ver } : { member: false, ver: 0 };
    });
  }

  async listMine(user: string): Promise<RoomSummary[]> {
    return [...(this.roomsOf.get(user) ?? [])].sort(byteOrder).map((name) => ({
      ...this.summary(name),
      role: this.rooms.get(name)?.createdBy === user ? ('owner' as const) : ('member' as const),
    }));
  }

  async listMineMany(users: string[]): Promise<RoomSummary[][]> {
    return Promise.all(users.map((u) => this.listMine(u)));
  }

  async listPublic(prefix: string, limit: number): Promise<RoomSummary[]> {
    return [...this.rooms.entries()]
      .filter(([name, r]) => !r.private && name.startsWith(prefix))
      .map(([name]) => name)
      .sort(byteOrder)
      .slice(0, limit)
      .map((name) => this.summary(name));
  }

  async roster(room: string): Promise<Roster> {
    const r = this.rooms.get(room);
    if (!r) return { exists: false, private: false, members: [], ver: 0 };
    return {
      exists: true,
      private: r.private,
      members: [...r.members].sort(byteOrder),
      ver: r.ver,
      owner: r.createdBy,
    };
  }

  async ping(): Promise<void> {}

  private newRoom(name: string, createdBy: string, isPrivate: boolean): Room {
    const r: Room = {
      private: isPrivate,
      createdBy,
      createdAt: new Date(),
      members: new Set(),
      ver: 0,
      invites: new Map(),
    };
    this.rooms.set(name, r);
    return r;
  }

  private addMember(name: string, r: Room, user: string): void {
    r.members.add(user);
    r.ver++;
    const mine = this.roomsOf.get(user) ?? new Set<string>();
    mine.add(name);
    this.roomsOf.set(user, mine);
  }

  private checkRoomsPerUser(user: string, limits: RoomLimits): void {
    if ((this.roomsOf.get(user)?.size ?? 0) >= limits.maxRoomsPerUser) throw roomsPerUserError(user, limits);
  }

  private summary(name: string): RoomSummary {
    const r = this.rooms.get(name)!;
    return { room: name, private: r.private, members: r.members.size, ver: r.ver };
  }
}
