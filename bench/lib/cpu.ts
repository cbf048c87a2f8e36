import { readdirSync, readFileSync } from 'node:fs';

/** CPU time per process group (milliseconds), read from /proc. */
export type CpuSnapshot = Map<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

const GROUPS: [RegExp, string][] = [
  [/services\/gateway\//, 'gateway'],
  [/services\/history\//, 'history'],
  [/services\/rooms\//, 'rooms'],
  [/services\/presence\//, 'presence'],
  [/peers\/socketio\//, 'socket.io'],
  [/peers\/ws-limit\//, 'ws relay'],
  [/bench\/worker\.ts/, 'load generator'],
  [/nats-server/, 'nats-server'],
  [/redis-server/, 'redis-server'],
  [/^postgres/, 'postgres'],
];

function groupOf(cmdline: string, environ: () => string): string | undefined {
  for (const [re, name] of GROUPS) {
    if (!re.test(cmdline)) continue;
    if (name === 'gateway') return environ().match(/(?:^|\0)GATEWAY_ID=([\w-]+)/)?.[1] ?? name;
    return name;
  }
  return undefined;
}

/**
 * The CPU time (user + system) every process of this machine has used so far, summed per
 * group (each gateway on its own, each service, brokers, databases, the load generator).
 * Processes of other runs would be counted too: the bench owns the machine while it runs.
 */
export function cpuSnapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const group = groupOf(cmdline, () => readFileSync(`/proc/${pid}/environ`, 'utf8'));
      if (!group) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      out.set(group, (out.get(group) ?? 0) + ticks * TICK_MS);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/** CPU milliseconds each group used between two snapshots, groups that used none left out. */
export function cpuSince(before: CpuSnapshot, after = cpuSnapshot()): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [group, ms] of after) {
    const used = ms - (before.get(group) ?? 0);
    if (used > 0) out[group] = used;
  }
  return out;
}

/** `cpuSince` divided by `count` (messages, deliveries), in milliseconds (to the nanosecond). */
export function cpuPer(used: Record<string, number>, count: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(used).map(([group, ms]) => [group, Math.round((ms / Math.max(1, count)) * 1e6) / 1e6]),
  );
}

/** "gw-1 0.5, history 0.4, ...": the groups by cost, for progress notes. */
export function formatCpu(per: Record<string, number>): string {
  return Object.entries(per)
    .sort((a, b) => b[1] - a[1])
    .map(([g, ms]) => `${g} ${Math.round(ms * 1000) / 1000}`)
    .join(', ');
}
