import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms in microseconds. Workers record into their own and ship them to the
 * coordinator compressed (HdrHistogram's standard encoding), where they are merged, so
 * percentiles are exact over every sample of every worker rather than averaged.
 */
export type Histogram = hdr.Histogram;

/** 1 µs to 5 minutes at 3 significant digits. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 300_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function merge(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

/** Percentiles in milliseconds, the unit every report uses. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0)
    return {
      count: 0,
      p50: Number.NaN,
      p99: Number.NaN,
      p999: Number.NaN,
      max: Number.NaN,
      mean: Number.NaN,
    };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** A clock shared by processes on one machine, in fractional milliseconds (wall clock, µs resolution). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Records the time since `sentAtMs` (from wallMs) in µs; a negative skew between processes counts as 1 µs. */
export function recordSince(h: Histogram, sentAtMs: number, now = wallMs()): void {
  h.recordValue(Math.max(1, Math.round((now - sentAtMs) * 1000)));
}
