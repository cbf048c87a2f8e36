import type { Bus, Subscription } from '@natter/bus';
import type { RoomsConfig } from '@natter/config';
import { on, QUEUE, RpcClient, serve, subjects } from '@natter/contracts';
import type { Logger } from '@natter/log';
import { BackendHealth, InFlight, type RunningService } from '@natter/service';
import type { Registry } from 'prom-client';
import { createHandlers, type RoomsHandlers } from './handlers.ts';
import { registerRoomsMetrics } from './metrics.ts';
import { RosterCache } from './roster-cache.ts';
import { type RoomStore, roomLimits } from './store.ts';

export interface RoomsParts {
  bus: Bus;
  log: Logger;
  store: RoomStore;
  registry?: Registry;
  /** Overrides NATTER_BACKEND_PROBE_MS, so a test sees recovery without waiting seconds. */
  probeMs?: number;
}

/**
 * Starts one rooms instance on `parts.bus`: answers `rooms.*` in the `rooms` queue group and
 * listens (outside the group, like every instance) to `roomsChanged` to drop cached rosters
 * that other instances changed. Callable several times in one process.
 */
export async function start(config: RoomsConfig, parts: RoomsParts): Promise<RunningService> {
  const log = parts.log.child({ module: 'rooms' });
  const s = subjects(config.namespace);
  const metrics = parts.registry ? registerRoomsMetrics(parts.registry) : undefined;
  const cache = new RosterCache((room) => parts.store.roster(room), {
    ttlMs: config.rosterTtlMs,
    maxRooms: config.rosterCacheRooms,
    onLookup: (hit) => metrics?.rosterLookups.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const health = new BackendHealth({
    what: 'rooms database',
    log,
    probe: () => parts.store.ping(),
    intervalMs: parts.probeMs ?? config.backendProbeMs,
  });
  await health.start();

  const handlers = createHandlers({
    bus: parts.bus,
    subjects: s,
    store: parts.store,
    cache,
    health,
    // Presence gets a third of the request budget, so a slow presence still leaves time to
    // answer `rooms.members` (with everyone offline) before the gateway's own call times out.
    rpc: new RpcClient(parts.bus, s, Math.max(50, Math.floor(config.requestTimeoutMs / 3))),
    limits: roomLimits(config),
    announceMax: config.roomAnnounceMax,
  });

  const inFlight = new InFlight((op, outcome) => metrics?.requests.inc({ op, outcome }), {
    max: config.serviceMaxInFlight,
  });

  const answer = <K extends keyof RoomsHandlers>(key: K) =>
    serve(parts.bus, s, key, QUEUE.rooms, log, inFlight.wrap(key, handlers[key]));
  const subs: Subscription[] = [
    answer('rooms.join'),
    answer('rooms.create'),
    answer('rooms.invite'),
    answer('rooms.invites'),
    answer('rooms.decline'),
    answer('rooms.leave'),
    answer('rooms.list'),
    answer('rooms.listMany'),
    answer('rooms.members'),
    answer('rooms.roster'),
    answer('rooms.membership'),
  ];
  subs.push(
    on(parts.bus, s, 'roomsChanged', log, (e) => {
      if (e.change) cache.change(e.room, e.change.user, e.change.member, e.change.ver);
      else cache.drop(e.room);
    }),
  );

  let stopped = false;
  log.info({ namespace: config.namespace, db: health.ok ? 'up' : 'down' }, 'rooms service started');
  return {
    ready: () => !stopped && health.ok,
    overloaded: () => inFlight.overloaded,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const sub of subs) sub.unsubscribe();
      await health.stop();
      await inFlight.idle();
      cache.clear();
      log.info('rooms service stopped');
    },
  };
}
