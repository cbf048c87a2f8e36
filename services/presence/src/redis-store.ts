import type { SessionRef } from '@natter/contracts';
import { isoTime, type PresenceView } from '@natter/protocol';
import type { Redis } from 'ioredis';
import { CONNECT, DISCONNECT, EXPIRED, HEARTBEAT, REMOVE_GATEWAY } from './redis-scripts.ts';
import {
  type PresenceStore,
  PresenceStoreError,
  type RecordedTransition,
  type WentOffline,
} from './store.ts';

export interface RedisPresenceStoreOptions {
  /** Every key lives under `<namespace>:presence:` (NATTER_NAMESPACE). */
  namespace: string;
  /** At most this many expired gateways per `expired()` call. */
  expiredBatch?: number;
}

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** The scripts registered with `defineCommand` (EVALSHA, falling back to EVAL after a restart). */
interface PresenceCommands {
  natterPresenceConnect: Script;
  natterPresenceDisconnect: Script;
  natterPresenceHeartbeat: Script;
  natterPresenceExpired: Script;
  natterPresenceRemoveGateway: Script;
}

/**
 * PresenceStore on Redis (layout in redis-scripts.ts). Each operation is one round trip:
 * one Lua script where atomicity matters, one pipeline for the multi-user reads (those
 * read each user's hash on its own, which is all a caller can rely on: a user's online
 * state changes only through the atomic scripts). The client is the caller's: give it
 * `enableOfflineQueue: false` and a small `maxRetriesPerRequest` so calls fail fast while
 * Redis is down instead of queueing.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: Redis & PresenceCommands;
  private readonly p: string;
  private readonly expiredBatch: number;

  constructor(redis: Redis, opts: RedisPresenceStoreOptions) {
    redis.defineCommand('natterPresenceConnect', { lua: CONNECT });
    redis.defineCommand('natterPresenceDisconnect', { lua: DISCONNECT });
    redis.defineCommand('natterPresenceHeartbeat', { lua: HEARTBEAT });
    redis.defineCommand('natterPresenceExpired', { lua: EXPIRED });
    redis.defineCommand('natterPresenceRemoveGateway', { lua: REMOVE_GATEWAY });
    this.redis = redis as Redis & PresenceCommands;
    this.p = `${opts.namespace}:presence`;
    this.expiredBatch = opts.expiredBatch ?? 100;
  }

  connect(gw: string, sessions: SessionRef[], ttlMs: number): Promise<string[]> {
    const keys = [this.gwKey(gw), this.gwsKey(), this.logKey(), ...sessions.map((s) => this.userKey(s.user))];
    const args = [gw, Math.ceil(ttlMs), ...sessions.flatMap((s) => [s.session, s.user])];
    return this.run('connect', async () => {
      return (await this.redis.natterPresenceConnect(keys.length, ...keys, ...args)) as string[];
    });
  }

  disconnect(gw: string, sessions: SessionRef[]): Promise<WentOffline[]> {
    const keys = [
      this.gwKey(gw),
      this.seenKey(),
      this.logKey(),
      ...sessions.map((s) => this.userKey(s.user)),
    ];
    const args = [gw, ...sessions.flatMap((s) => [s.session, s.user])];
    return this.run('disconnect', async () => {
      return pairs(await this.redis.natterPresenceDisconnect(keys.length, ...keys, ...args));
    });
  }

  heartbeat(gw: string, ttlMs: number): Promise<number> {
    return this.run('heartbeat', async () => {
      const n = await this.redis.natterPresenceHeartbeat(
        2,
        this.gwsKey(),
        this.gwKey(gw),
        gw,
        Math.ceil(ttlMs),
      );
      return Number(n);
    });
  }

  expired(): Promise<string[]> {
    return this.run('expired', async () => {
      return (await this.redis.natterPresenceExpired(1, this.gwsKey(), this.expiredBatch)) as string[];
    });
  }

  removeGateway(gw: string, opts: { ifExpired?: boolean } = {}): Promise<WentOffline[]> {
    const keys = [this.gwKey(gw), this.gwsKey(), this.seenKey(), this.logKey()];
    return this.run('removeGateway', async () => {
      const flag = opts.ifExpired ? '1' : '0';
      return pairs(await this.redis.natterPresenceRemoveGateway(4, ...keys, gw, flag, this.userKey('')));
    });
  }

  query(users: string[]): Promise<PresenceView[]> {
    return this.run('query', async () => {
      if (users.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const user of users) pipeline.exists(this.userKey(user)).hget(this.seenKey(), user);
      const results = settled(await pipeline.exec());
      return users.map((user, i): PresenceView => {
        if (Number(results[2 * i]) > 0) return { user, online: true };
        const seen = results[2 * i + 1];
        return typeof seen === 'string'
          ? { user, online: false, lastSeen: isoTime(Number(seen)) }
          : { user, online: false };
      });
    });
  }

  ensureInitialized(): Promise<boolean> {
    return this.run('ensureInitialized', async () => {
      return (await this.redis.set(`${this.p}:init`, isoTime(), 'NX')) === 'OK';
    });
  }

  recordedTransitions(max: number): Promise<RecordedTransition[]> {
    return this.run('recordedTransitions', async () => {
      const entries = await this.redis.xrange(this.logKey(), '-', '+', 'COUNT', max);
      return entries.map(([id, fields]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        return { id, user: f.u ?? '', online: f.t === 'on' };
      });
    });
  }

  dropTransitions(ids: string[]): Promise<void> {
    return this.run('dropTransitions', async () => {
      if (ids.length) await this.redis.xdel(this.logKey(), ...ids);
    });
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new PresenceStoreError(`redis presence ${op} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private userKey(user: string): string {
    return `${this.p}:u:${user}`;
  }
  private gwKey(gw: string): string {
    return `${this.p}:g:${gw}`;
  }
  private gwsKey(): string {
    return `${this.p}:gws`;
  }
  private logKey(): string {
    return `${this.p}:log`;
  }
  private seenKey(): string {
    return `${this.p}:seen`;
  }
}

/** The results of a pipeline, throwing its first error (any failed command fails the call). */
function settled(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Flat [user, lastSeenMs, ...] from a script into WentOffline records. */
function pairs(reply: unknown): WentOffline[] {
  const flat = reply as (string | number)[];
  const out: WentOffline[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ user: String(flat[i]), lastSeen: Number(flat[i + 1]) });
  return out;
}
