import type { Bus } from '@natter/bus';
import { emit, type Subjects } from '@natter/contracts';
import { type Logger, newTraceId } from '@natter/log';
import type { PresenceMetrics } from './metrics.ts';
import type { PresenceStore } from './store.ts';
import type { StoreHealth } from './store-health.ts';
import type { Transitions } from './transitions.ts';

export interface SweeperDeps {
  bus: Bus;
  s: Subjects;
  store: PresenceStore;
  log: Logger;
  health: StoreHealth;
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
 * It also probes the store for `ready()`. Ticks never overlap.
 */
export class Sweeper {
  private running: Promise<void> | undefined;

  constructor(private readonly d: SweeperDeps) {}

  /** Runs one tick, or joins the one already running. */
  tick(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no tick is running (for stop()). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    const { bus, s, store, log, health, metrics, transitions } = this.d;
    const trace = newTraceId();
    try {
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
      health.succeeded();
    } catch (err) {
      health.failed(err);
    }
  }
}
