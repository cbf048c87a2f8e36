import type { SessionRef } from '@natter/contracts';
import { isoTime, type PresenceView } from '@natter/protocol';
import type { PresenceStore, RecordedTransition, WentOffline } from './store.ts';

export interface MemoryPresenceStoreOptions {
  /** The store's clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * PresenceStore in process memory: for single-node mode and unit tests. Every method runs
 * synchronously inside its promise, which makes it atomic in one process.
 */
export class MemoryPresenceStore implements PresenceStore {
  /** user -> session -> gateway */
  private readonly users = new Map<string, Map<string, string>>();
  /** gateway -> session -> user */
  private readonly gateways = new Map<string, Map<string, string>>();
  private readonly deadlines = new Map<string, number>();
  private readonly seen = new Map<string, number>();
  private initialized = false;
  private readonly now: () => number;
  /** The transitions not yet in the event log (Redis's P:log stream), in order. */
  private readonly recorded: RecordedTransition[] = [];
  private nextRecord = 1;
  /** Ids must not repeat across restarts of the process (the event log remembers them). */
  private readonly epoch = Date.now().toString(36);

  constructor(opts: MemoryPresenceStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  async connect(gw: string, sessions: SessionRef[], ttlMs: number): Promise<string[]> {
    const online: string[] = [];
    const local = this.gateways.get(gw) ?? new Map<string, string>();
    this.gateways.set(gw, local);
    for (const { session, user } of sessions) {
      const mine = this.users.get(user) ?? new Map<string, string>();
      this.users.set(user, mine);
      if (mine.size === 0) {
        online.push(user);
        this.record(user, true);
      }
      mine.set(session, gw);
      local.set(session, user);
    }
    const deadline = this.now() + ttlMs;
    if ((this.deadlines.get(gw) ?? Number.NEGATIVE_INFINITY) < deadline) this.deadlines.set(gw, deadline);
    return online;
  }

  async disconnect(gw: string, sessions: SessionRef[]): Promise<WentOffline[]> {
    const now = this.now();
    const local = this.gateways.get(gw);
    const offline: WentOffline[] = [];
    for (const { session, user } of sessions) {
      if (local?.get(session) === user) local.delete(session);
      if (this.removeSession(user, session, gw, now)) offline.push({ user, lastSeen: now });
    }
    if (local?.size === 0) this.gateways.delete(gw);
    return offline;
  }

  async heartbeat(gw: string, ttlMs: number): Promise<number> {
    this.deadlines.set(gw, this.now() + ttlMs);
    return this.gateways.get(gw)?.size ?? 0;
  }

  async expired(): Promise<string[]> {
    const now = this.now();
    return [...this.deadlines].filter(([, deadline]) => deadline <= now).map(([gw]) => gw);
  }

  async removeGateway(gw: string, opts: { ifExpired?: boolean } = {}): Promise<WentOffline[]> {
    const now = this.now();
    const deadline = this.deadlines.get(gw);
    if (opts.ifExpired && deadline !== undefined && deadline > now) return [];
    const offline: WentOffline[] = [];
    for (const [session, user] of this.gateways.get(gw) ?? []) {
      if (this.removeSession(user, session, gw, now)) offline.push({ user, lastSeen: now });
    }
    this.gateways.delete(gw);
    this.deadlines.delete(gw);
    return offline;
  }

  async query(users: string[]): Promise<PresenceView[]> {
    return users.map((user) => {
      if ((this.users.get(user)?.size ?? 0) > 0) return { user, online: true };
      const seen = this.seen.get(user);
      return seen === undefined ? { user, online: false } : { user, online: false, lastSeen: isoTime(seen) };
    });
  }

  async ensureInitialized(): Promise<boolean> {
    if (this.initialized) return false;
    this.initialized = true;
    return true;
  }

  async recordedTransitions(max: number): Promise<RecordedTransition[]> {
    return this.recorded.slice(0, max).map((t) => ({ ...t }));
  }

  async dropTransitions(ids: string[]): Promise<void> {
    const gone = new Set(ids);
    for (let i = this.recorded.length - 1; i >= 0; i--)
      if (gone.has(this.recorded[i]!.id)) this.recorded.splice(i, 1);
  }

  /** Forgets everything, like a Redis restarted empty (for tests of the resync path). */
  clear(): void {
    this.recorded.length = 0;
    this.users.clear();
    this.gateways.clear();
    this.deadlines.clear();
    this.seen.clear();
    this.initialized = false;
  }

  private record(user: string, online: boolean): void {
    this.recorded.push({ id: `${this.epoch}-${this.nextRecord++}`, user, online });
  }

  /** Removes one session if it lives on `gw`; true when it was the user's last one. */
  private removeSession(user: string, session: string, gw: string, now: number): boolean {
    const mine = this.users.get(user);
    if (mine?.get(session) !== gw) return false;
    mine.delete(session);
    if (mine.size > 0) return false;
    this.users.delete(user);
    this.seen.set(user, now);
    this.record(user, false);
    return true;
  }
}
