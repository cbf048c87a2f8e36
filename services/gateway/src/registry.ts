import type { Session } from './session.ts';

/**
 * What this gateway knows about its own sessions: who is connected, which rooms their
 * users are in (loaded at hello, kept current by membership events), and who watches
 * whom. It is soft state, rebuilt from hello on every connection.
 */
export class Registry {
  readonly sessions = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  private readonly userRooms = new Map<string, Set<string>>();
  private readonly roomUsers = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, Set<Session>>();

  constructor(
    /** Called when the first local member of a room appears / the last one goes. */
    private readonly onRoomInterest: (room: string, interested: boolean) => void,
  ) {}

  addSession(s: Session): void {
    this.sessions.set(s.id, s);
    let set = this.byUser.get(s.user);
    if (!set) {
      set = new Set();
      this.byUser.set(s.user, set);
    }
    set.add(s);
  }

  removeSession(s: Session): void {
    if (!this.sessions.delete(s.id)) return;
    for (const u of [...s.watching]) this.unwatch(s, u);
    const set = this.byUser.get(s.user);
    set?.delete(s);
    if (set && set.size === 0) {
      this.byUser.delete(s.user);
      for (const room of this.userRooms.get(s.user) ?? []) this.dropMember(room, s.user);
      this.userRooms.delete(s.user);
    }
  }

  sessionsOfUser(user: string): Iterable<Session> {
    return this.byUser.get(user) ?? [];
  }

  hasUser(user: string): boolean {
    return this.byUser.has(user);
  }

  users(): Iterable<string> {
    return this.byUser.keys();
  }

  isMember(user: string, room: string): boolean {
    return this.userRooms.get(user)?.has(room) ?? false;
  }

  roomsOf(user: string): Iterable<string> {
    return this.userRooms.get(user) ?? [];
  }

  /** Replaces the user's room list (at hello, from the rooms service). */
  setRooms(user: string, rooms: Iterable<string>): void {
    const next = new Set(rooms);
    for (const room of this.userRooms.get(user) ?? []) if (!next.has(room)) this.removeMember(user, room);
    for (const room of next) this.addMember(user, room);
  }

  addMember(user: string, room: string): void {
    if (!this.byUser.has(user)) return;
    let rooms = this.userRooms.get(user);
    if (!rooms) {
      rooms = new Set();
      this.userRooms.set(user, rooms);
    }
    rooms.add(room);
    let users = this.roomUsers.get(room);
    if (!users) {
      users = new Set();
      this.roomUsers.set(room, users);
      this.onRoomInterest(room, true);
    }
    users.add(user);
  }

  removeMember(user: string, room: string): void {
    this.userRooms.get(user)?.delete(room);
    this.dropMember(room, user);
  }

  private dropMember(room: string, user: string): void {
    const users = this.roomUsers.get(room);
    if (!users?.delete(user)) return;
    if (users.size === 0) {
      this.roomUsers.delete(room);
      this.onRoomInterest(room, false);
    }
  }

  /** Every local session whose user is a member of the room. */
  *sessionsInRoom(room: string): Iterable<Session> {
    for (const user of this.roomUsers.get(room) ?? []) yield* this.byUser.get(user) ?? [];
  }

  watch(s: Session, user: string): void {
    s.watch(user);
    let set = this.watchers.get(user);
    if (!set) {
      set = new Set();
      this.watchers.set(user, set);
    }
    set.add(s);
  }

  unwatch(s: Session, user: string): void {
    s.unwatch(user);
    const set = this.watchers.get(user);
    set?.delete(s);
    if (set?.size === 0) this.watchers.delete(user);
  }

  watchersOf(user: string): Iterable<Session> {
    return this.watchers.get(user) ?? [];
  }
}
