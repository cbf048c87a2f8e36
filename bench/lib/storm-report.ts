import type { Report } from './results.ts';

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const counts = (m: Record<string, number>) =>
  Object.keys(m).length
    ? Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '0';

/** The `storm` scenario's table (issue 16), for report.ts. */
export function stormTable(r: Pick<Report, 'storm'>) {
  return {
    title:
      'Reconnect storm: connections opened at once over several gateways, every one says hello, some join one room (retrying like an SDK), then one message to the room',
    head: [
      'gateways x workers',
      'open',
      'joined',
      'seconds',
      'connects/s',
      'failed after retries',
      'retried',
      'hello p50 / p99 ms',
      'join p50 / p99 ms',
      'room message delivered, p99 ms',
      'gateways RSS MiB (KiB/conn)',
    ],
    rows: (r.storm ?? []).map((s) => [
      `${s.gateways} x ${s.processes}`,
      `${s.connected}/${s.requested}`,
      `${s.joined}/${s.joiners}`,
      n(s.seconds),
      String(s.perSec),
      counts(s.failed),
      counts(s.retried),
      `${n(s.hello.p50)} / ${n(s.hello.p99)}`,
      `${n(s.join.p50)} / ${n(s.join.p99)}`,
      `${s.delivered}/${s.deliveryWanted}, ${n(s.delivery.p99)}`,
      `${Math.round(s.gatewayRss / 2 ** 20)} (${n(s.rssPerConn / 1024)})`,
    ]),
  };
}
