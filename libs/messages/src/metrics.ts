import { Counter, Histogram, type Registry } from 'prom-client';

export interface HistoryMetrics {
  stored(kind: 'room' | 'dm', duplicate: boolean): void;
}

const NOOP: HistoryMetrics = { stored() {} };

/**
 * The service's metrics on `registry` (none without one). Instances started in one process
 * share a registry, so an existing metric is reused rather than registered twice.
 */
export function historyMetrics(registry?: Registry): HistoryMetrics {
  if (!registry) return NOOP;
  const messages = reuse(
    registry,
    'natter_history_sends_total',
    () =>
      new Counter({
        name: 'natter_history_sends_total',
        help: 'msgSend requests answered from the store, by conversation kind and whether it was a retry',
        labelNames: ['kind', 'duplicate'],
        registers: [registry],
      }),
  );
  return {
    stored(kind, duplicate) {
      messages.inc({ kind, duplicate: String(duplicate) });
    },
  };
}

/** Sizes of group-commit batches (PgMessageStore's `onBatch`). */
export function batchSizeHistogram(registry: Registry): Histogram {
  return reuse(
    registry,
    'natter_history_commit_batch_size',
    () =>
      new Histogram({
        name: 'natter_history_commit_batch_size',
        help: 'Messages committed per Postgres transaction (group commit)',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200],
        registers: [registry],
      }),
  );
}

function reuse<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}
