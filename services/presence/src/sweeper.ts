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
  /** Whether a tick has run: an empty store at the first one is a normal first start. */
  private swept = false;

  constructor(private readonly d: SweeperDeps) {}

  /** One tick. */
  async sweep(): Promise<void> {
    const { bus, s, store, log, metrics, transitions } = this.d;
    const trace = newTraceId();
    const first = !this.swept;
    this.swept = true;
    if (await store.ensureInitialized()) {
      // At start an empty store is what a first start looks like (and single-node's memory
      // store always is): nothing for the person on call. Later it means Redis lost its data.
      if (first) {
        log.info({ trace }, 'presence state is new; asking every gateway to announce its sessions');
      } else {
        log.warn(
          { trace },
          'presence state was lost (store restarted empty); asking every gateway to re-announce its sessions',
        );
      }
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
