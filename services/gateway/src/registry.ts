import type { Session } from './session.ts';

/** A user's membership of a room as the rooms service last confirmed it, with the room's version then. */
interface Known {
  member: boolean;
  ver: number;
}

/** Which subjects the gateway needs: called on the first need of one and when the last goes. */
export interface Interest {
  /** A room: a confirmed member here, or a join in flight. */
  room(room: string, interested: boolean): void;
  /** A user: a session here. */
  user(user: string, interested: boolean): void;
}

/** Left rooms remembered per user (to refuse a late `joined`); the oldest is forgotten past it. */
const MAX_LEFT_PER_USER = 1000;

/**
 * What this gateway knows about its own sessions: who is connected, which rooms their
 * users are in, and who watches whom. It is soft state, rebuilt from hello on every
 * connection.
 *
 * Membership here is only ever what the rooms service confirmed: the room list at hello,
 * the answer to a join or leave, a membership announcement, or a `rooms.membership` check,
 * each with the room's membership version. Nothing adds a member on the strength of a
 * request alone (a refused `join` must never open the room's stream, even for a moment),
 * and of two answers about one user and room the one with the higher version wins, so a
 * `joined` that arrives after the `left` that followed it changes nothing. Leaving clears
 * what the user's sessions hold of the room (`Session.forgetConv`).
 */
export class Registry {
  readonly sessions = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  private readonly known = new Map<string, Map<string, Known>>();
  private readonly roomUsers = new Map<string, Set<string>>();
  /** Joins in flight per room: the room's subject stays subscribed for them (see beginJoin). */
  private readonly joining = new Map<string, number>();
  private readonly watchers = new Map<string, Set<Session>>();

  constructor(private readonly interest: Interest) {}

  addSession(s: Session): void {
    this.sessions.set(s.id, s);
    let set = this.byUser.get(s.user);
    if (!set) {
      set = new Set();
      this.byUser.set(s.user, set);
      this.interest.user(s.user, true);
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
      this.interest.user(s.user, false);
      for (const [room, k] of this.known.get(s.user) ?? []) if (k.member) this.dropMember(room, s.user);
      this.known.delete(s.user);
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
    return this.known.get(user)?.get(room)?.member === true;
  }

  /** Whether the gateway has a confirmed answer (member or not) about the user and room. */
  knows(user: string, room: string): boolean {
    return this.known.get(user)?.has(room) ?? false;
  }

  /** The membership version of the newest confirmed answer about the user and room. */
  versionOf(user: string, room: string): number | undefined {
    return this.known.get(user)?.get(room)?.ver;
  }

  *roomsOf(user: string): Iterable<string> {
    for (const [room, k] of this.known.get(user) ?? []) if (k.member) yield room;
  }

  /** Every membership this gateway believes in, for a periodic check against the rooms service. */
  *memberships(): Iterable<{ room: string; user: string }> {
    for (const [user, rooms] of this.known) for (const [room, k] of rooms) if (k.member) yield { room, user };
  }

  /**
   * Applies a confirmed answer: the user is (or is not) a member of the room as of the room's
   * membership version `ver`. An answer older than what the gateway has is ignored. Returns
   * true when membership changed. Only users with sessions here are tracked.
   */
  applyMembership(user: string, room: string, member: boolean, ver: number): boolean {
    if (!this.byUser.has(user)) return false;
    let rooms = this.known.get(user);
    if (!rooms) {
      rooms = new Map();
      this.known.set(user, rooms);
    }
    const was = rooms.get(room);
    if (was && was.ver >= ver) return false;
    if (!member) {
      // Re-inserted at the end, so the oldest left rooms are the first forgotten.
      rooms.delete(room);
      if (rooms.size >= MAX_LEFT_PER_USER) this.forgetOldestLeft(rooms);
    }
    rooms.set(room, { member, ver });
    if (member === (was?.member ?? false)) return false;
    if (member) {
      let users = this.roomUsers.get(room);
      if (!users) {
        users = new Set();
        this.roomUsers.set(room, users);
        if (!this.joining.has(room)) this.interest.room(room, true);
      }
      users.add(user);
    } else {
      this.dropMember(room, user);
      for (const s of this.byUser.get(user) ?? []) s.forgetConv(`room:${room}`);
    }
    return true;
  }

  private forgetOldestLeft(rooms: Map<string, Known>): void {
    for (const [room, k] of rooms) {
      if (k.member) continue;
      rooms.delete(room);
      return;
    }
  }

  /**
   * A join (or create) of the room is in flight on this gateway: its subject is subscribed
   * now, before the rooms service answers, so nothing stored after the join is missed; but
   * no session receives anything of it until the membership is confirmed. `endJoin` in a
   * `finally` drops the subscription again when nobody here turned out to be a member.
   */
  beginJoin(room: string): void {
    const n = this.joining.get(room) ?? 0;
    this.joining.set(room, n + 1);
    if (n === 0 && !this.roomUsers.has(room)) this.interest.room(room, true);
  }

  endJoin(room: string): void {
    const n = (this.joining.get(room) ?? 1) - 1;
    if (n > 0) {
      this.joining.set(room, n);
      return;
    }
    this.joining.delete(room);
    if (!this.roomUsers.has(room)) this.interest.room(room, false);
  }

  private dropMember(room: string, user: string): void {
    const users = this.roomUsers.get(room);
    if (!users?.delete(user)) return;
    if (users.size === 0) {
      this.roomUsers.delete(room);
      if (!this.joining.has(room)) this.interest.room(room, false);
    }
  }

  /** Every local session whose user is a confirmed member of the room. */
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
