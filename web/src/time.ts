const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const yearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** A local calendar day, for grouping: `2026-11-21`. */
export function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(d: Date, now = new Date()): string {
  const today = dayKey(now);
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  const key = dayKey(d);
  if (key === today) return 'Today';
  if (key === dayKey(y)) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? dateFmt.format(d) : yearFmt.format(d);
}

export const timeLabel = (d: Date): string => timeFmt.format(d);
export const fullLabel = (d: Date): string => fullFmt.format(d);

/** `0:07`, `1:23`: a voice message's length. */
export function durationLabel(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
