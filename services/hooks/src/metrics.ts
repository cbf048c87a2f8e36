import { Counter, Gauge, type Registry } from 'prom-client';

export type HooksMetrics = ReturnType<typeof hooksMetrics>;

/**
 * `receiver` is the URL without its query or credentials (they may hold a token). The
 * queue gauges are read from Postgres at each scrape (`collect` given by start.ts), so
 * every instance reports every URL, whichever owns it now.
 */
export function hooksMetrics(registry: Registry | undefined, collect: () => Promise<Backlogs>) {
  const registers = registry ? [registry] : [];
  let last: Promise<Backlogs> | undefined;
  // One query round per scrape for both gauges.
  const backlogs = () => {
    last ??= collect().finally(() => setTimeout(() => (last = undefined), 100));
    return last;
  };
  return {
    attempts: new Counter({
      name: 'natter_hooks_attempts_total',
      help: 'Webhook delivery attempts, by receiver and outcome (delivered, failed)',
      labelNames: ['receiver', 'outcome'] as const,
      registers,
    }),
    failures: new Counter({
      name: 'natter_hooks_failures_total',
      help: 'Failed webhook attempts (non-2xx, timeout, refused), by receiver and reason',
      labelNames: ['receiver', 'reason'] as const,
      registers,
    }),
    givenUp: new Counter({
      name: 'natter_hooks_given_up_total',
      help: 'Events given up after failing for the whole retry period, by receiver',
      labelNames: ['receiver'] as const,
      registers,
    }),
    depth: new Gauge({
      name: 'natter_hooks_queue_depth',
      help: 'Events in the log after the receiver acknowledged position (counted up to 100000)',
      labelNames: ['receiver'] as const,
      registers,
      async collect() {
        this.reset();
        for (const b of await backlogs()) this.set({ receiver: b.receiver }, b.depth);
      },
    }),
    oldest: new Gauge({
      name: 'natter_hooks_oldest_pending_seconds',
      help: 'Age of the oldest event not yet delivered to the receiver (0: none)',
      labelNames: ['receiver'] as const,
      registers,
      async collect() {
        this.reset();
        for (const b of await backlogs()) this.set({ receiver: b.receiver }, b.oldestSec);
      },
    }),
  };
}

export type Backlogs = { receiver: string; depth: number; oldestSec: number }[];

/** The URL as a label: origin and path only. */
export function receiverLabel(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
