import type { Bus, Subscription } from '@natter/bus';
import type { HistoryConfig } from '@natter/config';
import {
  on,
  QUEUE,
  type RawJson,
  type Rpc,
  type RpcKey,
  type ServeContext,
  serve,
  subjects,
} from '@natter/contracts';
import type { Logger } from '@natter/log';
import {
  changeHandler,
  changesHandler,
  convsHandler,
  convsManyHandler,
  handlerDeps,
  historyMetrics,
  type MessageStore,
  markersHandler,
  pinsHandler,
  positionsHandler,
  queryHandler,
  readHandler,
  receiptsHandler,
  receivedHandler,
  sendHandler,
  UploadSweep,
} from '@natter/messages';
import { InFlight, type RunningService } from '@natter/service';
import type pg from 'pg';
import type { Registry } from 'prom-client';

export interface HistoryParts {
  bus: Bus;
  log: Logger;
  store: MessageStore;
  registry?: Registry;
  /**
   * The Postgres of `store`, when it is one: orphan uploads are swept from it every
   * NATTER_UPLOAD_SWEEP_INTERVAL_MS (src/upload-sweep.ts). Without it nothing is swept.
   */
  pool?: pg.Pool;
}

/**
 * Starts one history instance on the bus (a member of the `history` queue group; start it
 * as many times as wanted). It does not own the bus or the store's database: stop() leaves
 * them open.
 */
export async function start(config: HistoryConfig, parts: HistoryParts): Promise<RunningService> {
  const { bus, store } = parts;
  const log = parts.log.child({ module: 'history' });
  const s = subjects(config.namespace);
  const deps = await handlerDeps(config, { bus, log, store });
  const { health, membership } = deps;
  const inFlight = new InFlight(undefined, { max: config.serviceMaxInFlight });
  const changeDeps = {
    ...deps,
    bus,
    subjects: s,
    maxTextChars: config.maxTextChars,
    editWindowMs: config.editWindowSec > 0 ? config.editWindowSec * 1000 : undefined,
  };

  // Every RPC history answers: in its queue group, counted in flight (and shed past the bound).
  const answer = <K extends RpcKey>(
    key: K,
    handler: (req: Rpc[K][0], ctx: ServeContext) => Promise<Rpc[K][1] | RawJson<Rpc[K][1]>>,
  ) => serve(bus, s, key, QUEUE.history, log, inFlight.wrap(key, handler));
  const subs: Subscription[] = [
    answer(
      'msgSend',
      sendHandler({
        ...deps,
        bus,
        subjects: s,
        metrics: historyMetrics(parts.registry),
        maxTextChars: config.maxTextChars,
      }),
    ),
    answer('historyQuery', queryHandler(deps)),
    answer('historyConvs', convsHandler(deps)),
    answer('historyConvsMany', convsManyHandler(deps)),
    answer('historyRead', readHandler(deps)),
    answer('historyChange', changeHandler(changeDeps)),
    answer('historyChanges', changesHandler(changeDeps)),
    answer('historyPins', pinsHandler(changeDeps)),
    answer('historyReceived', receivedHandler(deps)),
    answer('historyReceipts', receiptsHandler(deps)),
    answer('historyMarkers', markersHandler(deps)),
    answer('historyPositions', positionsHandler(deps)),
    // Every instance drops its own cache entry: no queue group.
    on(bus, s, 'roomsChanged', log, (e) => membership.drop(e.room)),
  ];

  const sweep =
    parts.pool &&
    new UploadSweep(parts.pool, {
      orphanMs: config.uploadOrphanHours * 3_600_000,
      intervalMs: config.uploadSweepIntervalMs,
      log,
    });
  sweep?.start();

  log.info({ queue: QUEUE.history }, 'history service started');
  return {
    ready: () => health.ok,
    overloaded: () => inFlight.overloaded,
    async stop() {
      await health.stop();
      await sweep?.stop();
      for (const sub of subs) sub.unsubscribe();
      await inFlight.idle();
      log.info('history service stopped');
    },
  };
}
