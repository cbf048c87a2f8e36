import type { Bus, Subscription } from '@natter/bus';
import type { Config } from '@natter/config';
import { on, QUEUE, RpcClient, type ServeContext, serve, subjects } from '@natter/contracts';
import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import type { Registry } from 'prom-client';
import { DbHealth } from './db-health.ts';
import { createHandlers, type RoomsHandlers } from './handlers.ts';
import { registerRoomsMetrics } from './metrics.ts';
import { RosterCache } from './roster-cache.ts';
import type { RoomStore } from './store.ts';

export interface RoomsParts {
  bus: Bus;
  log: Logger;
  store: RoomStore;
  registry?: Registry;
  /** How long a cached roster may be served without an invalidation (default 30 s). */
  rosterTtlMs?: number;
  /** Most rosters cached (default 10 000 rooms). */
  rosterMaxRooms?: number;
  /** How often the database is pinged for `ready()` (default 2 s). */
  probeMs?: number;
}

export interface RunningService {
  ready(): boolean;
  stop(): Promise<void>;
}

const DEFAULT_ROSTER_TTL_MS = 30_000;
const DEFAULT_ROSTER_MAX_ROOMS = 10_000;
const DEFAULT_PROBE_MS = 2000;

/**
 * Starts one rooms instance on `parts.bus`: answers `rooms.*` in the `rooms` queue group and
 * listens (outside the group, like every instance) to `roomsChanged` to drop cached rosters
 * that other instances changed. Callable several times in one process.
 */
export async function start(config: Config, parts: RoomsParts): Promise<RunningService> {
  const log = parts.log.child({ module: 'rooms' });
  const s = subjects(config.namespace);
  const metrics = parts.registry ? registerRoomsMetrics(parts.registry) : undefined;
  const cache = new RosterCache((room) => parts.store.roster(room), {
    ttlMs: parts.rosterTtlMs ?? DEFAULT_ROSTER_TTL_MS,
    maxRooms: parts.rosterMaxRooms ?? DEFAULT_ROSTER_MAX_ROOMS,
    onLookup: (hit) => metrics?.rosterLookups.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const health = new DbHealth(() => parts.store.ping(), log);
  await health.start(parts.probeMs ?? DEFAULT_PROBE_MS);

  const handlers = createHandlers({
    bus: parts.bus,
    subjects: s,
    store: parts.store,
    cache,
    health,
    // Presence gets a third of the request budget, so a slow presence still leaves time to
    // answer `rooms.members` (with everyone offline) before the gateway's own call times out.
    rpc: new RpcClient(parts.bus, s, Math.max(50, Math.floor(config.requestTimeoutMs / 3))),
    limits: { maxRoomsPerUser: config.maxRoomsPerUser, maxRoomMembers: config.maxRoomMembers },
  });

  // In-flight handlers, so stop() can wait for them to reply.
  const inFlight = new Set<Promise<unknown>>();
  const tracked =
    <Req, Res>(op: string, fn: (req: Req, ctx: ServeContext) => Promise<Res>) =>
    (req: Req, ctx: ServeContext): Promise<Res> => {
      const p = fn(req, ctx);
      inFlight.add(p);
      const done = () => inFlight.delete(p);
      p.then(
        () => {
          done();
          metrics?.requests.inc({ op, outcome: 'ok' });
        },
        (err: unknown) => {
          done();
          metrics?.requests.inc({ op, outcome: errorCode(err) });
        },
      );
      return p;
    };

  const answer = <K extends keyof RoomsHandlers>(key: K) =>
    serve(parts.bus, s, key, QUEUE.rooms, log, tracked(key, handlers[key]));
  const subs: Subscription[] = [
    answer('rooms.join'),
    answer('rooms.create'),
    answer('rooms.invite'),
    answer('rooms.leave'),
    answer('rooms.list'),
    answer('rooms.members'),
    answer('rooms.roster'),
    answer('rooms.membership'),
  ];
  subs.push(on(parts.bus, s, 'roomsChanged', log, (e) => cache.drop(e.room)));

  let stopped = false;
  log.info({ namespace: config.namespace, db: health.ok ? 'up' : 'down' }, 'rooms service started');
  return {
    ready: () => !stopped && health.ok,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const sub of subs) sub.unsubscribe();
      health.stop();
      await Promise.allSettled([...inFlight]);
      cache.clear();
      log.info('rooms service stopped');
    },
  };
}

function errorCode(err: unknown): string {
  return err instanceof NatterError ? err.code : 'internal';
}
