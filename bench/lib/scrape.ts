/** The two memory gauges of prom-client's default metrics, read from a process's /metrics. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
}

function gauge(text: string, name: string): number {
  // `name{labels} value` or `name value`; the first series is the process's own.
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in /metrics`);
  return Number(m[1]);
}

export async function readMemory(metricsUrl: string): Promise<MemorySample> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${metricsUrl} answered ${res.status}`);
  const text = await res.text();
  return {
    rss: gauge(text, 'process_resident_memory_bytes'),
    heapUsed: gauge(text, 'nodejs_heap_size_used_bytes'),
  };
}

/**
 * A settled reading: several samples over `ms`, keeping the lowest heap (the one just after
 * a collection, closest to live data) and the RSS read with it. prom-client samples the heap
 * per scrape, so this needs no --expose-gc in the measured process.
 */
export async function settledMemory(metricsUrl: string, ms = 1500, every = 250): Promise<MemorySample> {
  let best: MemorySample | undefined;
  const until = Date.now() + ms;
  do {
    const s = await readMemory(metricsUrl);
    if (!best || s.heapUsed < best.heapUsed) best = s;
    await new Promise((r) => setTimeout(r, every));
  } while (Date.now() < until);
  return best;
}

/**
 * The series of `name` whose labels include `match` (`rpc="rooms.join"`), summed by the value
 * of label `by`, from a process's /metrics; {} when there are none.
 */
export async function readByLabel(
  metricsUrl: string,
  name: string,
  by: string,
  match = '',
): Promise<Record<string, number>> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${metricsUrl} answered ${res.status}`);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(match)) continue;
    const key = new RegExp(`${by}="([^"]*)"`).exec(line)?.[1];
    if (key !== undefined) out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** `after - before` per key, summed over processes, keeping only keys that grew. */
export function grown(
  before: Record<string, number>[],
  after: Record<string, number>[],
): Record<string, number> {
  const out: Record<string, number> = {};
  after.forEach((a, i) => {
    for (const [k, v] of Object.entries(a)) {
      const d = v - (before[i]?.[k] ?? 0);
      if (d > 0) out[k] = (out[k] ?? 0) + d;
    }
  });
  return out;
}
