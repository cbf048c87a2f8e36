import type { Subscription } from '@natter/bus';
import type { PushConfig } from '@natter/config';
import {
  MAX_LIST_BATCH,
  QUEUE,
  type Rpc,
  RpcClient,
  type RpcKey,
  type ServeContext,
  serve,
  subjects,
} from '@natter/contracts';
import { isConnectionError } from '@natter/db';
import { NatterError } from '@natter/protocol';
import {
  backendError,
  InFlight,
  type PgServiceParts,
  poolHealth,
  type RunningService,
} from '@natter/service';
import { decidePage } from './decide.ts';
import { registerDevice, unregisterDevice } from './devices.ts';
import { clearRead, dispatchDue } from './dispatch.ts';
import { Lease } from './lease.ts';
import { levelsOf, setLevel } from './levels.ts';
import { pushMetrics } from './metrics.ts';
import { providersFrom } from './providers/index.ts';

/** Its bus, log, database (migrated by migratePush; the caller owns it) and metrics registry. */
export type PushParts = PgServiceParts;

/**
 * Starts one push instance: it answers push.register / push.unregister / notify in queue
 * group `push` (whichever instance), and the instance holding the lease (src/lease.ts) reads the
 * event log into pending pushes and decides them once NATTER_PUSH_DELAY_MS has passed
 * (docs/design.md, "Push").
 */
export async function start(config: PushConfig, parts: PushParts): Promise<RunningService> {
  const { bus, pool } = parts;
  const log = parts.log.child({ module: 'push' });
  const s = subjects(config.namespace);
  const rpc = new RpcClient(bus, s, config.requestTimeoutMs);
  const metrics = pushMetrics(parts.registry);
  const providers = providersFrom(config);
  const health = await poolHealth('push database', { pool, log }, config.backendProbeMs);
  const inFlight = new InFlight();
  const answer = <K extends RpcKey>(
    key: K,
    handler: (req: Rpc[K][0], ctx: ServeContext) => Promise<Rpc[K][1]>,
  ) =>
    serve(bus, s, key, QUEUE.push, log, (req, ctx) =>
      inFlight.add(key, health.track(handler(req, ctx)).catch(unavailable)),
    );

  const subs: Subscription[] = [
    answer('pushRegister', async (req) => ({ device: await registerDevice(pool, req) })),
    answer('pushUnregister', async (req) => {
      await unregisterDevice(pool, req.user, req.device);
      return {};
    }),
    answer('pushLevels', async (req) => {
      if (!Array.isArray(req.users) || req.users.length > MAX_LIST_BATCH)
        throw new NatterError('bad_request', `users: at most ${MAX_LIST_BATCH}`);
      return { levels: await levelsOf(pool, req.users) };
    }),
    answer('pushNotify', async (req) => {
      await setLevel(pool, req.user, req.conv, req.level, req.until);
      return {};
    }),
  ];

  const lease = new Lease(pool);
  const decide = { pool, rpc, delayMs: config.pushDelayMs, everyone: config.pushWebhook };
  const dispatch = { pool, rpc, providers, webhook: config.pushWebhook, log, metrics };
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      try {
        if (await lease.acquire()) {
          while (!stopped && (await decidePage(decide)) > 0) {}
          await dispatchDue(dispatch);
          await clearRead(dispatch);
        }
      } catch (err) {
        // Postgres or history away (or a bug): the next round starts again from the stored state.
        log.warn({ err }, 'push decision round failed; retrying');
        lease.drop(true);
      }
      await sleep(config.pushPollMs);
    }
    await lease.release();
  })();

  log.info(
    {
      queue: QUEUE.push,
      providers: Object.keys(providers),
      webhook: config.pushWebhook,
      delayMs: config.pushDelayMs,
    },
    'push service started',
  );
  return {
    ready: () => !stopped && health.ok,
    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      for (const sub of subs) sub.unsubscribe();
      await Promise.allSettled([loop, health.stop(), inFlight.idle()]);
      for (const p of Object.values(providers)) (p as { close?: () => void }).close?.();
    },
  };
}

/** A lost database is `unavailable` (retry), named for the client; anything else as it is. */
function unavailable(err: unknown): never {
  throw backendError('push', err, isConnectionError);
}
