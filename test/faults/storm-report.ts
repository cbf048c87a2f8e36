import { readFile } from 'node:fs/promises';
import type { StormStatus } from './storm-worker.ts';

/** A status with nothing counted yet: a worker's start, and what the workers' statuses are merged into. */
export function emptyStormStatus(): StormStatus {
  return {
    open: {},
    clients: 0,
    disconnects: 0,
    gaveUp: 0,
    ends: {},
    backMs: [],
    lostAt: [],
    redialAt: [],
    tries: [],
    upgradeMs: [],
    helloMs: [],
    lagMaxMs: 0,
  };
}

/** Kernel TCP counters that say connections waited in, or were dropped from, a listen queue. */
const TCP_COUNTERS = [
  'ListenOverflows',
  'ListenDrops',
  'TCPReqQFullDoCookies',
  'TCPSynRetrans',
  'TCPTimeouts',
];

/**
 * The machine's TCP counters now (Linux /proc/net/netstat and /proc/net/snmp; empty elsewhere).
 * Machine-wide: anything else running meanwhile counts too.
 */
export async function tcpCounters(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const file of ['/proc/net/netstat', '/proc/net/snmp']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i].split(/\s+/).slice(1);
      const values = lines[i + 1].split(/\s+/).slice(1);
      names.forEach((n, j) => {
        if (TCP_COUNTERS.includes(n)) out[n] = Number(values[j]);
      });
    }
  }
  return out;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) each process has used so far, by name; absent where unreadable. */
export async function cpuSeconds(pids: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command (in parentheses, which may hold spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 12) out[name] = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
  return out;
}

/** The CPU seconds each process used from `before` to `after`, most first, as `name 1.2 s`. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): string {
  const used = Object.keys(after)
    .filter((n) => n in before)
    .map((n) => [n, after[n] - before[n]] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, s]) => sum + s, 0);
  return used.length
    ? `${total.toFixed(1)} s in all: ${used.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`
    : 'not available';
}

/** What the counters grew by from `before` to `after`, as `name +n`. */
export function tcpDelta(before: Record<string, number>, after: Record<string, number>): string {
  const parts = TCP_COUNTERS.filter((n) => n in after).map((n) => `${n} +${after[n] - (before[n] ?? 0)}`);
  return parts.length ? parts.join(', ') : 'not available';
}

/** `p`-th percentile (0-100) of `values`, nearest rank; undefined when there are none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function spread(name: string, values: number[], unit = ' ms'): string {
  if (values.length === 0) return `${name}: none`;
  const q = (p: number) => `${percentile(values, p)}${unit}`;
  return `${name} (${values.length}): p50 ${q(50)}, p90 ${q(90)}, p99 ${q(99)}, max ${q(100)}`;
}

/**
 * The clients' side of a storm: how long they were without a session, in how many
 * connections, how long upgrades and hellos took, and what ended the connections that did
 * not become sessions (counted by outcome, most frequent first).
 */
export function clientLines(s: StormStatus, killedAt: number): string[] {
  const ends = Object.entries(s.ends).sort((a, b) => b[1] - a[1]);
  return [
    spread(
      'loss seen after the kill',
      s.lostAt.map((t) => t - killedAt),
    ),
    spread(
      'first redial after the kill',
      s.redialAt.map((t) => t - killedAt),
    ),
    spread('time without a session', s.backMs),
    spread('connections to be back', s.tries, ''),
    spread('upgrade (dial to open)', s.upgradeMs),
    spread('hello (sent to answered)', s.helloMs),
    `longest event loop block in a client process: ${s.lagMaxMs} ms`,
    `connections that did not become a session: ${ends.length ? ends.map(([why, n]) => `${n} × ${why}`).join('; ') : 'none'}`,
  ];
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (no escapes in label values are needed here). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Counter values of `name` by `label`, as `a 12, b 3` (zeros left out). */
function byLabel(samples: Sample[], name: string, label: string): string {
  const parts = samples
    .filter((x) => x.name === name && x.value > 0)
    .map((x) => `${x.labels[label] ?? '?'} ${x.value}`);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * A histogram's count, mean and the bucket bound under which half and nine tenths of its
 * observations fall, per value of `label` (Prometheus buckets: an upper bound, not a value).
 */
function histogram(samples: Sample[], name: string, label: string, filter?: Record<string, string>): string {
  const keep = (x: Sample) =>
    Object.entries(filter ?? {}).every(([k, v]) => x.labels[k] === v) && x.labels[label] !== undefined;
  // Summed over the other labels (an rpc's outcomes, say).
  const groups = new Map<string, { count: number; sum: number; buckets: Map<number, number> }>();
  for (const x of samples) {
    if (!x.name.startsWith(name) || !keep(x)) continue;
    const g = groups.get(x.labels[label]) ?? { count: 0, sum: 0, buckets: new Map<number, number>() };
    groups.set(x.labels[label], g);
    if (x.name === `${name}_count`) g.count += x.value;
    else if (x.name === `${name}_sum`) g.sum += x.value;
    else if (x.name === `${name}_bucket`) {
      const le = Number(x.labels.le);
      g.buckets.set(le, (g.buckets.get(le) ?? 0) + x.value);
    }
  }
  const under = (g: { count: number; buckets: Map<number, number> }, share: number) => {
    const b = [...g.buckets].sort((a, c) => a[0] - c[0]).find(([, n]) => n >= share * g.count);
    return b && Number.isFinite(b[0]) ? `≤${b[0]} s` : '>max';
  };
  const parts = [...groups]
    .filter(([, g]) => g.count > 0)
    .map(
      ([k, g]) =>
        `${k} ${g.count} (mean ${(g.sum / g.count).toFixed(3)} s, p50 ${under(g, 0.5)}, p90 ${under(g, 0.9)})`,
    );
  return parts.length ? parts.join('; ') : 'none';
}

/** The surviving gateway's side of a storm, from its /metrics (HTTP_PORT). */
export async function gatewayLines(metricsUrl: string): Promise<string[]> {
  const res = await fetch(`${metricsUrl}/metrics`);
  const samples = parse(await res.text());
  const lag = samples.find((x) => x.name === 'nodejs_eventloop_lag_p99_seconds')?.value;
  const lagMax = samples.find((x) => x.name === 'nodejs_eventloop_lag_max_seconds')?.value;
  return [
    `admission: ${byLabel(samples, 'natter_gateway_admission_total', 'outcome')}`,
    `admission wait: ${histogram(samples, 'natter_gateway_admission_wait_seconds', 'outcome')}`,
    `upgrades refused: ${byLabel(samples, 'natter_gateway_refused_connections_total', 'reason')}`,
    `hello phases: ${histogram(samples, 'natter_gateway_hello_phase_seconds', 'phase')}`,
    `hello requests: ${histogram(samples, 'natter_gateway_request_seconds', 'op', { op: 'hello' })}`,
    `rpcs: ${histogram(samples, 'natter_gateway_rpc_seconds', 'rpc')}`,
    `rpcs not ok: ${rpcFailures(samples)}`,
    `error replies: ${byLabel(samples, 'natter_gateway_errors_total', 'code')}`,
    `closes: ${byLabel(samples, 'natter_gateway_closes_total', 'code')}`,
    `event loop lag: p99 ${lag ?? '?'} s, max ${lagMax ?? '?'} s (since the last scrape or start)`,
  ];
}

/** RPCs that did not answer `ok`, as `rpc/outcome n`. */
function rpcFailures(samples: Sample[]): string {
  const parts = samples
    .filter((x) => x.name === 'natter_gateway_rpc_seconds_count' && x.labels.outcome !== 'ok' && x.value > 0)
    .map((x) => `${x.labels.rpc}/${x.labels.outcome} ${x.value}`);
  return parts.length ? parts.join(', ') : 'none';
}
