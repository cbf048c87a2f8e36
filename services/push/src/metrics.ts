import { Counter, type Registry } from 'prom-client';

export type PushMetrics = ReturnType<typeof pushMetrics>;

export function pushMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    decisions: new Counter({
      name: 'natter_push_decisions_total',
      help: 'Push decisions after the delay, by outcome (pushed, received: a session had it in time)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    sends: new Counter({
      name: 'natter_push_sends_total',
      help: 'Provider calls, by provider and outcome (sent, gone: device unregistered, failed, unconfigured)',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
  };
}
