import { existsSync } from 'node:fs';
import { type HotSpots, hotSpots } from './cpuprofile.ts';

export interface PhaseProfile extends HotSpots {
  phase: string;
}

/**
 * Drives lib/profile-entry.ts in gateway 1: `around` profiles one measured phase (SIGUSR2
 * before and after) and keeps its hot spots.
 */
export class GatewayProfiler {
  readonly profiles: PhaseProfile[] = [];
  private n = 0;

  constructor(
    private readonly pid: () => number,
    private readonly out: string,
  ) {}

  async around<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    process.kill(this.pid(), 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    try {
      return await fn();
    } finally {
      process.kill(this.pid(), 'SIGUSR2');
      const file = `${this.out}.${++this.n}.cpuprofile`;
      const deadline = Date.now() + 30_000;
      while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const hs = existsSync(file) ? hotSpots(file) : undefined;
      if (hs) this.profiles.push({ phase, ...hs });
    }
  }
}
