import type { Roster } from './store.ts';

/** A cached roster with a set for O(1) membership checks in rooms of any size. */
export interface CachedRoster {
  roster: Roster;
  isMember(user: string): boolean;
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
    const entry: Entry = { at: now, value: this.load(room).then(toCached) };
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

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function toCached(roster: Roster): CachedRoster {
  const set = new Set(roster.members);
  return { roster, isMember: (user) => set.has(user) };
}
