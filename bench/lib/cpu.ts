import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (milliseconds) each process of a group has used, by pid, read from /proc. */
export type CpuSnapshot = Map<number, { group: string; ms: number }>;

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
 * The CPU time (user + system) the processes of this run have used so far (this process's
 * descendants: the systems, their brokers and databases, the load generator), by process,
 * with its group (each gateway on its own, each service, brokers, databases, the load generator).
 * Other processes are left out even when they match a group: a system postgres, redis-server
 * or nats-server, or another bench run on a shared machine.
 */
export function cpuSnapshot(root = process.pid): CpuSnapshot {
  const procs: { pid: number; ppid: number; ticks: number }[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state, ppid, ...; utime and stime are fields 14 and 15 of stat.
      procs.push({
        pid: Number(pid),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between listing and reading.
    }
  }
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++)
      if (p === root) return true;
    return false;
  };
  const out: CpuSnapshot = new Map();
  for (const { pid, ticks } of procs) {
    if (pid === root || !ours(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const group = groupOf(cmdline, () => readFileSync(`/proc/${pid}/environ`, 'utf8'));
      if (group) out.set(pid, { group, ms: ticks * TICK_MS });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/**
 * CPU milliseconds each group used between two snapshots, groups that used none left out.
 * Counted per process, so one that ended meanwhile (a Postgres backend whose pool connection
 * idled out) takes nothing away; what it used after `before` is lost with it.
 */
export function cpuSince(before: CpuSnapshot, after = cpuSnapshot()): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, { group, ms }] of after) {
    const was = before.get(pid);
    const used = ms - (was?.group === group ? was.ms : 0);
    if (used > 0) out[group] = (out[group] ?? 0) + used;
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
