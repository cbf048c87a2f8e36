import type { ChangeCheck } from './change-checker.ts';
import type { CheckResult } from './checker.ts';

/** One row of the fault table: a fault and what the checker found in its window. */
export interface Row {
  fault: string;
  result: CheckResult;
  /** Sends the outbox gave up on (a non-retryable error). */
  failed: number;
  /** Acknowledged edits and reactions, and those history does not show exactly once. */
  changes?: ChangeCheck;
  /** Ms after the part returned until a fresh connection could send again (undefined: never). */
  recoveryMs?: number;
  /** The recovery target in ms (5 s, Postgres 10 s). */
  targetMs?: number;
  /** Ms after the part returned until every send queued during the outage had its result. */
  backlogMs?: number;
  /**
   * Ms from the later of the part's return and the DM's acknowledgement until a DM sent
   * during the outage, in a conversation that then goes quiet, reached its connected
   * recipient live; false when it did not within 15 s (undefined: not measured).
   */
  quietTail?: number | false;
}

/** A DM whose live delivery was lost must still arrive within this of recovery (the position check). */
export const QUIET_TAIL_MS = 5000;

const COLUMNS = [
  'fault',
  'acked',
  'delivered',
  'lost',
  'dup in history',
  'seq gaps',
  'undelivered',
  'dup delivered',
  'out of order',
  'failed',
  'changes',
  'changes wrong',
  'sends again after',
  'backlog done after',
  'quiet tail',
] as const;

function ms(v: number | undefined, target?: number): string {
  if (v === undefined) return target === undefined ? '-' : 'NEVER';
  const s = `${(v / 1000).toFixed(1)} s`;
  if (target === undefined) return s;
  return `${s} ${v <= target ? '(ok' : '(OVER'} < ${target / 1000} s)`;
}

/** The table as text, one line per fault, columns aligned. */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.fault,
    String(r.result.acknowledged),
    String(r.result.delivered),
    String(r.result.lost),
    String(r.result.duplicatedInHistory),
    String(r.result.seqGaps),
    String(r.result.undelivered),
    String(r.result.duplicateDeliveries),
    String(r.result.outOfOrder),
    String(r.failed),
    r.changes ? String(r.changes.changes) : '-',
    r.changes ? String(r.changes.wrong) : '-',
    ms(r.recoveryMs, r.targetMs),
    ms(r.backlogMs),
    r.quietTail === undefined
      ? '-'
      : r.quietTail === false
        ? 'NOT DELIVERED'
        : ms(r.quietTail, QUIET_TAIL_MS),
  ]);
  const all = [[...COLUMNS], ...cells];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}
