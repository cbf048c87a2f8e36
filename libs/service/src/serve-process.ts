import type { Bus } from '@natter/bus';
import type { Logger } from '@natter/log';
import { startHealthServer } from './health.ts';
import type { Metrics } from './metrics.ts';
import type { RunningService } from './running-service.ts';
import { onShutdown } from './shutdown.ts';

export interface ServeProcessOptions {
  port: number;
  bus: Bus;
  service: RunningService;
  metrics: Metrics;
  log: Logger;
  /** Closes what main.ts opened besides the bus (a pool, a Redis client). */
  close?: () => Promise<void> | void;
}

/**
 * The tail of every service's main.ts: `/healthz`, `/readyz` (bus and service ready) and
 * `/metrics` on `port`, and a SIGTERM drain in the one safe order: drain the bus first (its
 * subscriptions stop at the server and every request already routed here is still answered;
 * unsubscribing first dropped those), then stop the service, then close the rest.
 */
export async function serveProcess(opts: ServeProcessOptions): Promise<void> {
  const { bus, service, log } = opts;
  const health = await startHealthServer({
    port: opts.port,
    checks: {
      bus: () => bus.ready,
      service: () => service.ready(),
      load: () => !(service.overloaded?.() ?? false),
    },
    registry: opts.metrics.registry,
    log,
  });
  onShutdown(log, async () => {
    await bus.drain();
    await service.stop();
    await health.close();
    await opts.close?.();
  });
}
