import { Counter, type Registry } from 'prom-client';

export interface RoomsMetrics {
  requests: Counter<'op' | 'outcome'>;
  rosterLookups: Counter<'result'>;
}

/**
 * The rooms service's metrics on `registry`. A second instance in the same process (same
 * registry) shares the counters instead of failing to register them again.
 */
export function registerRoomsMetrics(registry: Registry): RoomsMetrics {
  return {
    requests: counter(
      registry,
      'natter_rooms_requests_total',
      'rooms.* requests answered, by op and outcome (ok or the error code)',
      ['op', 'outcome'],
    ),
    rosterLookups: counter(
      registry,
      'natter_rooms_roster_lookups_total',
      'Roster lookups by result: hit (cache) or miss (database)',
      ['result'],
    ),
  };
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
