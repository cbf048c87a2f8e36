import type { Report } from './results.ts';

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The `webhooks` scenario's table (issue 14), for report.ts. */
export function webhooksTable(r: Pick<Report, 'webhooks'>) {
  return {
    title:
      'Webhooks: a backlog of logged events drained to one local receiver, and DM delivery latency (across gateways) with the receiver up, then down while events pile up',
    head: [
      'backlog',
      'delivered',
      'seconds',
      'events/s',
      'DM p50 / p99 ms, receiver up',
      'DM p50 / p99 ms, receiver down',
      'added p99 ms',
      'events piled up',
    ],
    rows: (r.webhooks ?? []).map((w) => [
      String(w.backlog),
      String(w.delivered),
      n(w.seconds),
      String(w.perSec),
      `${n(w.latencyUp.p50)} / ${n(w.latencyUp.p99)} (${w.latencyUp.count})`,
      `${n(w.latencyDown.p50)} / ${n(w.latencyDown.p99)} (${w.latencyDown.count})`,
      n(w.addedP99),
      String(w.piledUp),
    ]),
  };
}
