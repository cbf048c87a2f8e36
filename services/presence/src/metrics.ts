import { Counter, type Registry } from 'prom-client';

export interface PresenceMetrics {
  transitions: Counter<'online'>;
  sweptGateways: Counter<string>;
  resyncs: Counter<'scope'>;
  droppedEvents: Counter<string>;
}

/**
 * The service's counters, registered once per registry: several instances in one process
 * (tests, single-node mode) share them instead of failing on a duplicate name.
 */
export function presenceMetrics(registry?: Registry): PresenceMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> => {
    const existing = registry?.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: registry ? [registry] : [] });
  };
  return {
    transitions: counter('natter_presence_transitions_total', 'Users that came online or went offline', [
      'online',
    ]),
    sweptGateways: counter(
      'natter_presence_swept_gateways_total',
      'Removals of gateways that missed their heartbeats (by any instance that saw them expired)',
    ),
    resyncs: counter('natter_presence_resyncs_total', 'Requests to gateways to re-announce their sessions', [
      'scope',
    ]),
    droppedEvents: counter(
      'natter_presence_dropped_events_total',
      'Events (disconnects, heartbeats) dropped: the store failed or the event was malformed',
    ),
  };
}
