import type { Bus, Subscription } from '@natter/bus';
import type { HistoryConfig } from '@natter/config';
import {
  type HistoryQueryReply,
  type HistoryQueryRequest,
  on,
  type RawJson,
  type SendReply,
  type SendRequest,
  serveContext,
  subjects,
} from '@natter/contracts';
import type { Logger } from '@natter/log';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { handlerDeps } from './handler-deps.ts';
import { batchSizeHistogram, historyMetrics } from './metrics.ts';
import { PgMessageStore } from './pg-store.ts';
import { queryHandler } from './queries.ts';
import { sendHandler } from './send.ts';

/** The message log's handlers, run inside another process (a gateway). */
export interface LocalLog {
  /** `msgSend` of a DM without the hop: authorized, stored (the answer means committed), announced. */
  send(req: SendRequest, trace: string): Promise<SendReply>;
  /**
   * `historyQuery` without the hop: the same authorization (membership from the roster
   * cache), the page as the JSON text Postgres' rows make.
   */
  query(req: HistoryQueryRequest, trace: string): Promise<HistoryQueryReply | RawJson<HistoryQueryReply>>;
  stop(): Promise<void>;
}

export interface LocalLogParts {
  bus: Bus;
  log: Logger;
  /** The message log's database, migrated (migrateMessages); the caller owns it. */
  pool: pg.Pool;
  registry?: Registry;
}

/**
 * `msgSend` (for DMs) and `historyQuery` as a library: the same handlers, store, roster cache,
 * announcement and metrics as the history service's own, for the gateway to append the DMs
 * its sessions send and to read the pages they ask for (docs/design.md, "A DM's path" and
 * "A page's path"). Each is one process and one NATS round trip fewer than asking
 * history: for a DM that was most of what it cost beyond the peer's, for a page of
 * decorated messages (80 KB) it was most of its tail, each copy of the bytes in each process
 * being garbage its collector has to catch up with.
 *
 * A DM needs nothing history holds in memory (its two users are its members, and its
 * mentions can only be the other one). Appends from several processes are safe: the
 * conversation's row lock orders them, and (sender, cid) makes a retry through whichever
 * of them the same row. Room and thread sends keep going through history, where the mention
 * and roster work of a room message is done once. A page needs the reader's membership: the
 * roster cache here is dropped on `roomsChanged` like history's.
 */
export async function startLocalLog(config: HistoryConfig, parts: LocalLogParts): Promise<LocalLog> {
  const log = parts.log.child({ module: 'local-log' });
  const batches = parts.registry && batchSizeHistogram(parts.registry);
  const store = new PgMessageStore(parts.pool, { onBatch: (size) => batches?.observe(size) });
  const deps = await handlerDeps(config, { bus: parts.bus, log, store });
  const s = subjects(config.namespace);
  const send = sendHandler({
    ...deps,
    bus: parts.bus,
    subjects: s,
    metrics: historyMetrics(parts.registry),
    maxTextChars: config.maxTextChars,
  });
  const query = queryHandler(deps);
  const rosterDrops: Subscription = on(parts.bus, s, 'roomsChanged', log, (e) =>
    deps.membership.drop(e.room),
  );
  return {
    send: (req, trace) => send(req, serveContext(log, trace)),
    query: (req, trace) => query(req, serveContext(log, trace)),
    async stop() {
      rosterDrops.unsubscribe();
      await deps.health.stop();
    },
  };
}
