import type { Bus } from '@natter/bus';
import { emit, type Subjects } from '@natter/contracts';
import { type Logger, newTraceId } from '@natter/log';
import type { PresenceMetrics } from './metrics.ts';
import type { PresenceStore } from './store.ts';
import type { Transitions } from './transitions.ts';

export interface SweeperDeps {
  bus: Bus;
  s: Subjects;
  store: PresenceStore;
  log: Logger;
  metrics: PresenceMetrics;
  transitions: Transitions;
}

/**
 * The periodic chores of one presence instance. Each tick:
 * 1. checks the store's initialization marker; when it is missing (Redis restarted empty)
 *    it is re-created and every gateway is asked to re-announce its sessions
 *    (presenceResync). The store tells one instance only, so one resync goes out per loss.
 * 2. removes gateways whose heartbeats stopped, announcing their users that went offline.
 *    Every instance sweeps; removal is atomic and conditional on the gateway still being
 *    expired, so each offline transition is announced once.
 * A rejection is the store's: the service runs ticks as the probe of its BackendHealth,
 * which keeps them from overlapping and turns a failed tick into `ready() === false`.
 */
export class Sweeper {
  constructor(private readonly d: SweeperDeps) {}

  /** One tick. */
  async sweep(): Promise<void> {
    const { bus, s, store, log, metrics, transitions } = this.d;
    const trace = newTraceId();
    if (await store.ensureInitialized()) {
      log.warn(
        { trace },
        'presence state is new or was lost (store restarted empty); asking every gateway to re-announce its sessions',
      );
      emit(bus, s, 'presenceResync', {}, trace);
      metrics.resyncs.inc({ scope: 'all' });
    }
    for (const gw of await store.expired()) {
      const gone = await store.removeGateway(gw, { ifExpired: true });
      // Another instance may have swept it first (then `gone` is empty and nothing is announced twice).
      log.info(
        { gw, offline: gone.length, trace },
        'gateway missed its heartbeats; its sessions are removed',
      );
      metrics.sweptGateways.inc();
      transitions.offline(gone, trace);
    }
  }
}
