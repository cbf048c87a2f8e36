import type { Bus, Subscription } from '@natter/bus';
import type { PresenceConfig } from '@natter/config';
import {
  type ConnectRequest,
  type DisconnectEvent,
  emit,
  GATEWAY_ID_RE,
  on,
  QUEUE,
  type ServeContext,
  type SessionRef,
  serve,
  subjects,
} from '@natter/contracts';
import type { Logger } from '@natter/log';
import { MAX_WATCH, NatterError } from '@natter/protocol';
import { BackendHealth, InFlight, type RunningService } from '@natter/service';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { presenceMetrics } from './metrics.ts';
import { type PresenceStore, PresenceStoreError } from './store.ts';
import { Sweeper } from './sweeper.ts';
import { TransitionLog } from './transition-log.ts';
import { Transitions } from './transitions.ts';

export interface PresenceParts {
  bus: Bus;
  log: Logger;
  /** MemoryPresenceStore (single node) or RedisPresenceStore; the caller owns its client. */
  store: PresenceStore;
  /**
   * The database of the event log: user.online/offline are copied there (transition-log.ts).
   * Without one (unit tests) transitions stay recorded in the store.
   */
  pool?: pg.Pool;
  registry?: Registry;
}

/** How often the store's recorded transitions are copied besides right after each transition. */
const COPY_EVERY_MS = 1000;

/** Added to 3 heartbeat intervals before a silent gateway counts as dead (network and GC jitter). */
const LIVENESS_SLACK_MS = 500;
/** At most one targeted resync per gateway in this period, so a slow re-announce is not asked twice. */
const RESYNC_GW_EVERY_MS = 10_000;

/**
 * Starts one presence instance on the bus (queue group `presence`; run as many as needed).
 * Redis data loss: the sweeper notices the missing marker within a second and emits
 * presenceResync; gateways answer by re-sending presenceConnect with all their sessions.
 * A gateway whose heartbeat claims sessions the store does not hold (it was swept while
 * still alive) gets a presenceResync naming it.
 */
export async function start(config: PresenceConfig, parts: PresenceParts): Promise<RunningService> {
  const { bus, store } = parts;
  const log = parts.log.child({ module: 'presence' });
  const s = subjects(config.namespace);
  const metrics = presenceMetrics(parts.registry);
  const copier = parts.pool ? new TransitionLog(parts.pool, store, log) : undefined;
  const transitions = new Transitions(bus, s, metrics, () => copier?.kick());
  // Also on a timer: a copy that failed (Postgres or Redis away) is retried from here.
  const copyTimer = copier ? setInterval(() => copier.kick(), COPY_EVERY_MS) : undefined;
  const sweeper = new Sweeper({ bus, s, store, log, metrics, transitions });
  // The sweeper's chores touch the store every tick, so they double as its probe.
  const health = new BackendHealth({
    what: 'presence store',
    log,
    probe: () => sweeper.sweep(),
    intervalMs: Math.min(1000, config.gatewayHeartbeatMs),
    isConnectionError: (err) => err instanceof PresenceStoreError,
  });
  const connectTtl = 3 * config.gatewayHeartbeatMs + LIVENESS_SLACK_MS;
  const lastGwResync = new Map<string, number>();
  const inFlight = new InFlight();
  let stopped = false;

  /** Runs a store-backed handler: held by stop(), its outcome recorded in store health, store errors mapped. */
  const work = <T>(op: string, fn: () => Promise<T>): Promise<T> => inFlight.add(op, health.track(fn()));

  /** Events have nobody to answer: log a failure once, with what it costs, and drop the event. */
  const event =
    <T>(what: string, fn: (ev: T, ctx: ServeContext) => Promise<void>) =>
    async (ev: T, ctx: ServeContext): Promise<void> => {
      try {
        await work(what, () => fn(ev, ctx));
      } catch (err) {
        metrics.droppedEvents.inc();
        // During a store outage BackendHealth has already said so once; one line per event would flood.
        const outage = err instanceof NatterError && err.code === 'unavailable';
        ctx.log[outage ? 'debug' : 'warn']({ err }, `${what} dropped`);
      }
    };

  const subs: Subscription[] = [
    serve(bus, s, 'presenceConnect', QUEUE.presence, log, async (req, ctx) => {
      const sessions = checkSessions(req);
      const online = await work('presenceConnect', () => store.connect(req.gw, sessions, connectTtl));
      transitions.online(online, ctx.trace);
      return {};
    }),

    serve(bus, s, 'presenceQuery', QUEUE.presence, log, async (req) => {
      if (!Array.isArray(req.users) || req.users.length > MAX_WATCH) {
        throw new NatterError('bad_request', `users: expected an array of at most ${MAX_WATCH}`);
      }
      return { presence: await work('presenceQuery', () => store.query(req.users)) };
    }),

    on(
      bus,
      s,
      'presenceDisconnect',
      log,
      event('disconnect (its users may show online until their gateway is swept)', async (ev, ctx) => {
        const gone = await store.disconnect(ev.gw, checkSessions(ev));
        transitions.offline(gone, ctx.trace);
      }),
      { queue: QUEUE.presence, rejected: metrics.droppedEvents },
    ),

    on(
      bus,
      s,
      'gwHeartbeat',
      log,
      event('gateway heartbeat (the gateway may be swept if the next ones fail too)', async (hb, ctx) => {
        if (!GATEWAY_ID_RE.test(hb.gw))
          throw new NatterError('bad_request', `gw: ${JSON.stringify(hb.gw)} is not a gateway id`);
        const interval =
          Number.isFinite(hb.interval) && hb.interval > 0 ? hb.interval : config.gatewayHeartbeatMs;
        const held = await store.heartbeat(hb.gw, 3 * interval + LIVENESS_SLACK_MS);
        if (held === 0 && hb.sessions > 0) resyncGateway(hb.gw, ctx.trace);
      }),
      { queue: QUEUE.presence, rejected: metrics.droppedEvents },
    ),
  ];

  function resyncGateway(gw: string, trace: string): void {
    const now = Date.now();
    if ((lastGwResync.get(gw) ?? 0) > now - RESYNC_GW_EVERY_MS) return;
    for (const [g, at] of lastGwResync) if (at <= now - RESYNC_GW_EVERY_MS) lastGwResync.delete(g);
    lastGwResync.set(gw, now);
    log.warn(
      { gw, trace },
      'gateway reports sessions the store does not hold; asking it to re-announce them',
    );
    emit(bus, s, 'presenceResync', { gw }, trace);
    metrics.resyncs.inc({ scope: 'gateway' });
  }

  await health.start();
  log.info({ ready: health.ok }, 'presence started');

  return {
    ready: () => !stopped && health.ok,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const sub of subs) sub.unsubscribe();
      clearInterval(copyTimer);
      await Promise.allSettled([health.stop(), inFlight.idle()]);
      await copier?.idle();
    },
  };
}

/** The bus is trusted, but a malformed payload must fail loudly rather than corrupt the registry. */
function checkSessions(req: ConnectRequest | DisconnectEvent): SessionRef[] {
  if (typeof req.gw !== 'string' || !GATEWAY_ID_RE.test(req.gw)) {
    throw new NatterError('bad_request', `gw: ${JSON.stringify(req.gw)} is not a gateway id`);
  }
  if (!Array.isArray(req.sessions)) throw new NatterError('bad_request', 'sessions: expected an array');
  for (const ref of req.sessions) {
    if (typeof ref?.session !== 'string' || typeof ref.user !== 'string' || ref.session === '') {
      throw new NatterError('bad_request', 'sessions: each needs a session id and a user');
    }
  }
  return req.sessions;
}
