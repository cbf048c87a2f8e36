import { collectDefaultMetrics, Registry } from 'prom-client';

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
  collectDefaultMetrics({ register: registry });
  return { registry, service };
}
