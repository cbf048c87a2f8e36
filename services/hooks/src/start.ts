import type { Subscription } from '@natter/bus';
import { ConfigError, type HooksConfig } from '@natter/config';
import { EVENT_TYPES, QUEUE, serve, subjects } from '@natter/contracts';
import { isConnectionError } from '@natter/db';
import { backlog, MAX_PAGE, pruneEvents, readEvents } from '@natter/events';
import { NatterError } from '@natter/protocol';
import {
  backendError,
  InFlight,
  type PgServiceParts,
  poolHealth,
  type RunningService,
} from '@natter/service';
import type pg from 'pg';
import { type Backlogs, hooksMetrics, receiverLabel } from './metrics.ts';
import { Receiver } from './receiver.ts';
import { Signer } from './signing.ts';

/** Its bus, log, database (migrated by migrateHooks; the caller owns it) and metrics registry. */
export type HooksParts = PgServiceParts;

/**
 * Starts one hooks instance: it answers `eventsRead` (GET /v1/events) in queue group
 * `hooks`, prunes the log past NATTER_EVENTS_RETENTION_HOURS, and delivers the log to each
 * NATTER_WEBHOOK_URLS entry whose lease it wins (src/receiver.ts). Run as many as wanted.
 */
export async function start(config: HooksConfig, parts: HooksParts): Promise<RunningService> {
  const { bus, pool } = parts;
  const log = parts.log.child({ module: 'hooks' });
  const s = subjects(config.namespace);
  const types = eventFilter(config.webhookEvents);
  const metrics = hooksMetrics(parts.registry, () => backlogs(pool, config.webhookUrls));
  const health = await poolHealth('events database', { pool, log }, config.backendProbeMs);
  const inFlight = new InFlight();

  const subs: Subscription[] = [
    serve(bus, s, 'eventsRead', QUEUE.hooks, log, (req) =>
      inFlight.add(
        'eventsRead',
        (async () => {
          const limit =
            Number.isInteger(req.limit) && req.limit >= 1 && req.limit <= MAX_PAGE ? req.limit : 0;
          if (!limit) throw new NatterError('bad_request', `limit: expected an integer 1-${MAX_PAGE}`);
          if (req.after !== undefined && typeof req.after !== 'string')
            throw new NatterError('bad_request', 'after: expected a cursor');
          const events = await health.track(readEvents(pool, req.after, limit)).catch(unavailable);
          return { events, next: events.at(-1)?.cursor ?? req.after };
        })(),
      ),
    ),
  ];

  const prune = async () => {
    try {
      const n = await pruneEvents(pool, config.eventsRetentionHours);
      if (n > 0) log.info({ pruned: n, hours: config.eventsRetentionHours }, 'pruned the event log');
    } catch (err) {
      log.warn(
        { err, inMs: config.eventsPruneIntervalMs },
        'pruning the event log failed; trying again later',
      );
    }
  };
  void prune();
  // Each instance prunes on its own timer; pruning twice at once is harmless.
  const pruner = setInterval(prune, config.eventsPruneIntervalMs);
  pruner.unref();

  const receivers = config.webhookUrls.map(
    (url) =>
      new Receiver({
        url,
        pool,
        signer: new Signer(config.webhookSecret!),
        types,
        timeoutMs: config.webhookTimeoutMs,
        backoffMs: config.webhookBackoffMs,
        pollMs: config.webhookPollMs,
        log,
        metrics,
      }),
  );
  for (const r of receivers) r.start();
  log.info({ receivers: config.webhookUrls.map(receiverLabel), ready: health.ok }, 'hooks started');

  let stopped = false;
  return {
    ready: () => !stopped && health.ok,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruner);
      for (const sub of subs) sub.unsubscribe();
      await Promise.allSettled([...receivers.map((r) => r.stop()), health.stop(), inFlight.idle()]);
    },
  };
}

/** NATTER_WEBHOOK_EVENTS as a set, each checked against the event table. */
function eventFilter(list: string[] | undefined): Set<string> | undefined {
  if (!list) return undefined;
  for (const t of list) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      throw new ConfigError(
        `NATTER_WEBHOOK_EVENTS: ${JSON.stringify(t)} is not one of ${EVENT_TYPES.join(', ')}`,
      );
    }
  }
  return new Set(list);
}

/** A lost database is `unavailable` (retry), named for the client; anything else as it is. */
function unavailable(err: unknown): never {
  throw backendError('the event log', err, isConnectionError);
}

async function backlogs(pool: pg.Pool, urls: string[]): Promise<Backlogs> {
  if (urls.length === 0) return [];
  const { rows } = await pool.query<{ url: string; after: string | null }>(
    'SELECT url, after FROM natter_hook_state WHERE url = ANY($1)',
    [urls],
  );
  return Promise.all(
    rows.map(async (r) => ({
      receiver: receiverLabel(r.url),
      ...(await backlog(pool, r.after ?? undefined)),
    })),
  );
}
