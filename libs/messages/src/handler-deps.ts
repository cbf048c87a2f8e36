import type { Bus } from '@natter/bus';
import type { HistoryConfig } from '@natter/config';
import { RpcClient, subjects } from '@natter/contracts';
import { isConnectionError } from '@natter/db';
import type { Logger } from '@natter/log';
import { BackendHealth } from '@natter/service';
import { MembershipCache } from './membership.ts';
import type { MessageStore } from './store.ts';

/** What the message log's handlers share, wherever they run (history, a gateway's DMs). */
export interface HandlerDeps {
  store: MessageStore;
  /** The store's health, probed every NATTER_BACKEND_PROBE_MS: connection errors become `unavailable`. */
  health: BackendHealth;
  /** Room rosters for authorization, dropped on `roomsChanged` by whoever subscribes to it. */
  membership: MembershipCache;
}

/** The handlers' shared parts on `store`, its health probed once before this resolves. */
export async function handlerDeps(
  config: HistoryConfig,
  parts: { bus: Bus; log: Logger; store: MessageStore },
): Promise<HandlerDeps> {
  const { store } = parts;
  const health = new BackendHealth({
    what: 'history database',
    log: parts.log,
    probe: () => store.ping(),
    intervalMs: config.backendProbeMs,
    isConnectionError,
  });
  await health.start();
  const membership = new MembershipCache(
    new RpcClient(parts.bus, subjects(config.namespace), config.requestTimeoutMs),
    { ttlMs: config.rosterTtlMs, maxRooms: config.rosterCacheRooms },
  );
  return { store, health, membership };
}
