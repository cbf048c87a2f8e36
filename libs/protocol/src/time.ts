/** RFC 3339 UTC with milliseconds, the only time format on the wire. */
export function isoTime(d: Date | number = Date.now()): string {
  return (typeof d === 'number' ? new Date(d) : d).toISOString();
}
