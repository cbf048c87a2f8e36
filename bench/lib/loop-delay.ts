/**
 * A load-generator worker's own event loop delay over a phase (while a round's deliveries
 * arrive): a busy generator makes deliveries look late, so the report shows it beside the
 * latency it might have inflated (the storm's ~16,700 sockets per worker, the reactions'
 * 100,000 deliveries per message on 2 cores).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling interval of the delay monitor, ms. */
const RESOLUTION_MS = 10;

/** What a worker reports of its event loop delay (ms): max and p99; 0 when not sampled. */
export interface LoopDelayStats {
  loopMaxMs: number;
  loopP99Ms: number;
}

export class LoopDelay {
  private readonly h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  start(): this {
    this.h.enable();
    return this;
  }

  stop(): void {
    this.h.disable();
  }

  read(): LoopDelayStats {
    return {
      loopMaxMs: this.h.count ? this.h.max / 1e6 : 0,
      loopP99Ms: this.h.count ? this.h.percentile(99) / 1e6 : 0,
    };
  }
}

/** The worst worker's delay, to 0.01 ms (the coordinator's view over every worker). */
export function worstLoopDelay(stats: LoopDelayStats[]): {
  clientLoopMaxMs: number;
  clientLoopP99Ms: number;
} {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    clientLoopMaxMs: round(Math.max(0, ...stats.map((x) => x.loopMaxMs))),
    clientLoopP99Ms: round(Math.max(0, ...stats.map((x) => x.loopP99Ms))),
  };
}
