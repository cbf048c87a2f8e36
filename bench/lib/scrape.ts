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
