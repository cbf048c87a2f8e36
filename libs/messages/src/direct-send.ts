import type { Bus } from '@natter/bus';
import type { HistoryConfig } from '@natter/config';
import { type SendReply, type SendRequest, serveContext, subjects } from '@natter/contracts';
import type { Logger } from '@natter/log';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { handlerDeps } from './handler-deps.ts';
import { batchSizeHistogram, historyMetrics } from './metrics.ts';
import { PgMessageStore } from './pg-store.ts';
import { sendHandler } from './send.ts';

/** History's write path, run inside another process. */
export interface DirectSend {
  /** `msgSend` without the hop: authorized, stored (the answer means committed), announced. */
  send(req: SendRequest, trace: string): Promise<SendReply>;
  stop(): Promise<void>;
}

export interface DirectSendParts {
  bus: Bus;
  log: Logger;
  /** The message log's database, migrated (migrateMessages); the caller owns it. */
  pool: pg.Pool;
  registry?: Registry;
}

/**
 * `msgSend` as a library: the same handler, store, announcement and metrics as the history
 * service's own, for the gateway to append the DMs its sessions send (docs/design.md, "A DM's
 * path"). A DM needs nothing history holds in memory (its two users are its members, and
 * its mentions can only be the other one), so the sender's gateway can write it: one process
 * fewer to wake per DM, the largest part of what a DM cost beyond the peer's. Appends from
 * several processes are safe: the conversation's row lock orders them, and (sender, cid)
 * makes a retry through whichever of them the same row. Rooms and threads keep going through
 * history, whose membership cache their authorization needs.
 */
export async function startDirectSend(config: HistoryConfig, parts: DirectSendParts): Promise<DirectSend> {
  const log = parts.log.child({ module: 'direct-send' });
  const batches = parts.registry && batchSizeHistogram(parts.registry);
  const store = new PgMessageStore(parts.pool, { onBatch: (size) => batches?.observe(size) });
  const deps = await handlerDeps(config, { bus: parts.bus, log, store });
  const handler = sendHandler({
    ...deps,
    bus: parts.bus,
    subjects: subjects(config.namespace),
    metrics: historyMetrics(parts.registry),
    maxTextChars: config.maxTextChars,
  });
  return {
    send: (req, trace) => handler(req, serveContext(log, trace)),
    stop: () => deps.health.stop(),
  };
}
