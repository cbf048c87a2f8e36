import { collectDefaultMetrics, Registry } from 'prom-client';

const EVENT_LOOP_SAMPLE_MS = 100;

/** One process part's metrics: its own registry, so parts sharing a process stay apart. */
export interface Metrics {
  readonly registry: Registry;
  readonly service: string;
}

/**
 * A registry with Node's default metrics (CPU, memory, event loop lag, GC) and a `service`
 * label on every series, so one Prometheus query can compare gateways, history and the rest.
 * Register a service's own metrics with `registers: [metrics.registry]`.
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay histogram samples on a libuv timer, every 10 ms by default: 100
  // wake-ups a second in every process, ~4 ms of CPU per second with nothing to do (the
  // larger part of an idle gateway's cost, bench/README.md). Ten samples a second still
  // show a loop that stalls.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return { registry, service };
}
