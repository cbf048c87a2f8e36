import type { Roster } from './store.ts';

/**
 * A cached roster: a set for O(1) membership checks in rooms of any size, changed in place by
 * each membership change (`change`), the sorted list made again only when it is read.
 */
export class CachedRoster {
  private readonly members: Set<string>;
  private sorted: string[] | undefined;
  private ver: number;

  constructor(private readonly base: Roster) {
    this.members = new Set(base.members);
    this.sorted = base.members;
    this.ver = base.ver;
  }

  get roster(): Roster {
    // User ids are ASCII (USER_RE), so the default sort is byte order.
    this.sorted ??= [...this.members].sort();
    const { exists, private: isPrivate, owner } = this.base;
    return {
      exists,
      private: isPrivate,
      members: this.sorted,
      ver: this.ver,
      ...(owner === undefined ? {} : { owner }),
    };
  }

  isMember(user: string): boolean {
    return this.members.has(user);
  }

  /**
   * Applies the change of membership version `ver`: true when it was the next one (applied) or
   * one already in (nothing to do), false when versions were skipped (the caller drops it).
   */
  change(user: string, member: boolean, ver: number): boolean {
    if (!this.base.exists) return false;
    if (ver <= this.ver) return true;
    if (ver !== this.ver + 1) return false;
    if (member) this.members.add(user);
    else this.members.delete(user);
    this.ver = ver;
    this.sorted = undefined;
    return true;
  }
}

export interface RosterCacheOptions {
  /**
   * How long an entry may be served. Invalidation is by event (this instance's own changes,
   * `roomsChanged` from the others); the TTL only bounds staleness when an event was lost
   * (core NATS is at most once).
   */
  ttlMs: number;
  /** Most rooms kept; the least recently used go first. */
  maxRooms: number;
  /** Told of every lookup, for metrics. */
  onLookup?: (hit: boolean) => void;
}

interface Entry {
  at: number;
  value: Promise<CachedRoster>;
  /** The roster once loaded (`change` applies only to a loaded one). */
  loaded?: CachedRoster;
}

/**
 * Rosters by room, so `rooms.roster` and `rooms.members` do not read the database on every
 * call. Concurrent misses of one room share one load. An entry is the load's promise: `drop`
 * removes it, so a load that was in flight when the room changed is never cached afterwards
 * (whoever awaited it already, ran concurrently with the change).
 */
export class RosterCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly load: (room: string) => Promise<Roster>,
    private readonly opts: RosterCacheOptions,
  ) {}

  get(room: string): Promise<CachedRoster> {
    const now = Date.now();
    const hit = this.entries.get(room);
    if (hit && now - hit.at < this.opts.ttlMs) {
      // Re-insert: a Map iterates in insertion order, which makes it an LRU list.
      this.entries.delete(room);
      this.entries.set(room, hit);
      this.opts.onLookup?.(true);
      return hit.value;
    }
    this.opts.onLookup?.(false);
    const entry: Entry = {
      at: now,
      value: this.load(room).then((r) => {
        const cached = new CachedRoster(r);
        entry.loaded = cached;
        return cached;
      }),
    };
    this.entries.delete(room);
    this.entries.set(room, entry);
    entry.value.catch(() => {
      if (this.entries.get(room) === entry) this.entries.delete(room);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.opts.maxRooms) break;
      this.entries.delete(oldest);
    }
    return entry.value;
  }

  drop(room: string): void {
    this.entries.delete(room);
  }

  /**
   * A member joined or left with membership version `ver`: a loaded roster that is one
   * version behind takes the change in place (a join storm into one room costs a set insert
   * per join, not a reload of every member per join); anything else is dropped and reloaded
   * on next use. The TTL still counts from the load.
   */
  change(room: string, user: string, member: boolean, ver: number): void {
    const entry = this.entries.get(room);
    if (entry && !entry.loaded?.change(user, member, ver)) this.entries.delete(room);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
