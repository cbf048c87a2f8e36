import { defaultConfig } from '@natter/config';
import type { RoomRosterReply, RpcClient } from '@natter/contracts';

/** What a user may do in a room, as far as history is concerned. */
export type RoomAccess = 'member' | 'not_member' | 'no_room';

export interface MembershipOptions {
  /** How long a roster is trusted without a `roomsChanged` event (default NATTER_ROSTER_TTL_MS). */
  ttlMs?: number;
  /** Most rooms cached; the oldest is dropped past it (default NATTER_ROSTER_CACHE_ROOMS). */
  maxRooms?: number;
  now?: () => number;
}

interface Entry {
  exists: boolean;
  members: Set<string>;
  owner?: string;
  at: number;
}

/** A room's members and owner as last fetched (`rooms.roster`). */
export type RosterView = Pick<Entry, 'exists' | 'members' | 'owner'>;

/**
 * Room membership for authorization: a cache of `rooms.roster` replies. The rooms service
 * publishes `roomsChanged` after every membership change and the service calls `drop`; the
 * TTL covers an event lost on the way. A negative answer from the cache is re-fetched once
 * before it counts, so a user who just joined is not refused on a stale roster.
 * A call that fails (rooms unavailable) rejects with its NatterError.
 */
export class MembershipCache {
  private readonly entries = new Map<string, Entry>();
  /** Shared fetches of rooms not in the cache, so a burst of sends makes one call. */
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Bumped by `drop`, so a fetch that started before the change is not cached after it. */
  private readonly generations = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxRooms: number;
  private readonly now: () => number;

  constructor(
    private readonly rpc: RpcClient,
    opts: MembershipOptions = {},
  ) {
    const defaults = defaultConfig();
    this.ttlMs = opts.ttlMs ?? defaults.rosterTtlMs;
    this.maxRooms = opts.maxRooms ?? defaults.rosterCacheRooms;
    this.now = opts.now ?? Date.now;
  }

  async access(room: string, user: string, trace?: string): Promise<RoomAccess> {
    const cached = this.cached(room);
    if (cached && accessOf(cached, user) === 'member') return 'member';
    const entry = cached ? await this.fetch(room, trace) : await this.load(room, trace);
    return accessOf(entry, user);
  }

  /** Whether the room exists; a cached "no" is re-fetched once, like `access`. */
  async exists(room: string, trace?: string): Promise<boolean> {
    const cached = this.cached(room);
    if (cached?.exists) return true;
    const entry = cached ? await this.fetch(room, trace) : await this.load(room, trace);
    return entry.exists;
  }

  /**
   * The room's roster, from the cache when it has one (no refetch for a name that is not in
   * it: mentions of non-members must not cost a call each). For a caller `access` has just
   * confirmed, the cached roster holds them. Empty for a room that does not exist.
   */
  async roster(room: string, trace?: string): Promise<RosterView> {
    return this.cached(room) ?? (await this.load(room, trace));
  }

  /** Forgets a room (its membership changed). */
  drop(room: string): void {
    this.entries.delete(room);
    this.loading.delete(room);
    this.generations.set(room, (this.generations.get(room) ?? 0) + 1);
  }

  private cached(room: string): Entry | undefined {
    const entry = this.entries.get(room);
    if (entry && this.now() - entry.at < this.ttlMs) return entry;
    if (entry) this.entries.delete(room);
    return undefined;
  }

  private load(room: string, trace?: string): Promise<Entry> {
    let p = this.loading.get(room);
    if (!p) {
      p = this.fetch(room, trace).finally(() => {
        if (this.loading.get(room) === p) this.loading.delete(room);
      });
      this.loading.set(room, p);
    }
    return p;
  }

  private async fetch(room: string, trace?: string): Promise<Entry> {
    const generation = this.generations.get(room) ?? 0;
    const reply: RoomRosterReply = await this.rpc.call('rooms.roster', { v: 1, room }, { trace });
    const entry: Entry = {
      exists: reply.exists,
      members: new Set(reply.members),
      owner: reply.owner,
      at: this.now(),
    };
    if ((this.generations.get(room) ?? 0) === generation) {
      this.entries.delete(room); // re-insert at the end: Map order is the eviction order
      this.entries.set(room, entry);
      if (this.entries.size > this.maxRooms) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return entry;
  }
}

function accessOf(entry: Entry, user: string): RoomAccess {
  if (!entry.exists) return 'no_room';
  return entry.members.has(user) ? 'member' : 'not_member';
}
