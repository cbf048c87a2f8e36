import { existsSync } from 'node:fs';
import { type HotSpots, hotSpots } from './cpuprofile.ts';

export interface PhaseProfile extends HotSpots {
  /** The Natter process: gw-1, gw-2, history, rooms, presence. */
  process: string;
  phase: string;
}

/** A process started through lib/profile-entry.ts, writing `<out>.<n>.cpuprofile`. */
export interface ProfiledProcess {
  name: string;
  pid(): number;
  out: string;
}

/**
 * Drives lib/profile-entry.ts in every Natter process: `around` profiles one measured phase
 * (SIGUSR2 to each before and after) and keeps the hot spots of each process.
 */
export class NatterProfiler {
  readonly profiles: PhaseProfile[] = [];
  private n = 0;

  constructor(private readonly procs: ProfiledProcess[]) {}

  async around<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    for (const p of this.procs) process.kill(p.pid(), 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    try {
      return await fn();
    } finally {
      for (const p of this.procs) process.kill(p.pid(), 'SIGUSR2');
      const n = ++this.n;
      for (const p of this.procs) {
        const file = `${p.out}.${n}.cpuprofile`;
        const deadline = Date.now() + 30_000;
        while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (existsSync(file)) this.profiles.push({ process: p.name, phase, ...hotSpots(file) });
      }
    }
  }
}
