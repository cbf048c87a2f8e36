import type { Report, StormResult } from './results.ts';

const n = (x: number | undefined, digits = 1) =>
  x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '-';
const counts = (m: Record<string, number> | undefined) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '0';
const systemName = (s: StormResult) =>
  s.system === 'peer' ? 'Socket.IO + Redis adapter' : 'Natter (gateways + services)';

/**
 * The `storm` scenario's tables (issue 16), for report.ts: Natter beside the Socket.IO peer
 * doing the same (connect, join, the room messages), then where each system's room-message
 * time went (bench/lib/storm-message.ts).
 */
export function stormTables(r: Pick<Report, 'storm'>) {
  const storms = r.storm ?? [];
  return [
    {
      title:
        'Reconnect storm: connections opened at once over several nodes, every one says hello (the peer: connects until ready), some join one room (retrying like an SDK), then messages to the room, 1 s apart',
      head: [
        'system',
        'nodes x workers',
        'open',
        'joined',
        'seconds to all-in',
        'connects/s',
        'failed after retries',
        'retried',
        'hello p50 / p99 ms',
        'join p50 / p99 ms',
        'room messages delivered, p50 / p99 ms',
        'RSS MiB (KiB/conn)',
      ],
      rows: storms.map((s) => [
        systemName(s),
        `${s.gateways} x ${s.processes}`,
        `${s.connected}/${s.requested}`,
        `${s.joined}/${s.joiners}`,
        n(s.seconds),
        String(s.perSec),
        counts(s.failed),
        counts(s.retried),
        `${n(s.hello.p50)} / ${n(s.hello.p99)}`,
        `${n(s.join.p50)} / ${n(s.join.p99)}`,
        `${s.delivered}/${s.deliveryWanted} (${s.hops?.messages ?? 1} msgs), ${n(s.delivery.p50)} / ${n(s.delivery.p99)}`,
        `${Math.round(s.gatewayRss / 2 ** 20)} (${n(s.rssPerConn / 1024)})`,
      ]),
    },
    {
      title:
        "Storm room messages, hop by hop (ms): the sender's ack; send to the store time the message carries; Natter's gateways: store to arrival and the fanout loop (mean per gateway, the slowest); the client workers' event loop delay while the messages arrived (the worst worker); the gateways' own rooms.join outcomes and admission over the storm",
      head: [
        'system',
        'ack p50 / max',
        'send -> stored p50 / max',
        'stored -> gateway',
        'fanout loop',
        'client loop delay p99 / max',
        'end to end p50 / p99 / max',
        'gateways: rooms.join',
        'gateways: admission',
      ],
      rows: storms
        .filter((s) => s.hops)
        .map((s) => {
          const h = s.hops!;
          return [
            systemName(s),
            `${n(h.ack.p50)} / ${n(h.ack.max)}`,
            `${n(h.store.p50)} / ${n(h.store.max)}`,
            n(h.gatewayLagMs),
            n(h.fanoutMs),
            `${n(h.clientLoopP99Ms)} / ${n(h.clientLoopMaxMs)}`,
            `${n(s.delivery.p50)} / ${n(s.delivery.p99)} / ${n(s.delivery.max)}`,
            s.joinRpc ? counts(s.joinRpc) : '-',
            s.admission ? counts(s.admission) : '-',
          ];
        }),
    },
  ];
}
