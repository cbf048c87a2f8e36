import { CLUSTER_KINDS } from '../scenarios/cluster.ts';
import { reactionsTable } from './reactions-report.ts';
import { type Report, SYSTEM_LABELS, type SystemId } from './results.ts';
import { stormTables } from './storm-report.ts';
import { webhooksTable } from './webhooks-report.ts';

export const n = (v: number, digits = 2): string =>
  Number.isFinite(v) ? String(Math.round(v * 10 ** digits) / 10 ** digits) : '-';
const kib = (b: number): string => n(b / 1024, 1);

/** Rows of every table, shared by the terminal output and the Markdown report. */
export function tables(r: Report): { title: string; head: string[]; rows: string[][] }[] {
  const label = (s: SystemId) => SYSTEM_LABELS[s];
  return [
    {
      title: 'DM: persisted direct messages across two nodes (send -> recipient event)',
      head: [
        'system',
        'highest rate held (p99 < 25 ms)',
        'at that rate p50 / p99 / p99.9 ms',
        'first step not held',
      ],
      rows: r.dm.map((d) => {
        const best = d.steps.filter((s) => s.held).at(-1);
        const fail = d.steps.find((s) => !s.held);
        return [
          label(d.system),
          d.maxHeld ? `${d.maxHeld}/s` : 'none',
          best ? `${n(best.latency.p50)} / ${n(best.latency.p99)} / ${n(best.latency.p999)}` : '-',
          fail ? `${fail.rate}/s: ${fail.why}` : 'none (ran out of steps)',
        ];
      }),
    },
    {
      title: 'DM steps (offered rate: p50 / p99 / p99.9 ms, delivered/sent)',
      head: [
        'system',
        ...[...new Set(r.dm.flatMap((d) => d.steps.map((s) => s.rate)))]
          .sort((a, b) => a - b)
          .map((x) => `${x}/s`),
      ],
      rows: r.dm.map((d) => {
        const rates = [...new Set(r.dm.flatMap((x) => x.steps.map((s) => s.rate)))].sort((a, b) => a - b);
        return [
          label(d.system),
          ...rates.map((rate) => {
            const s = d.steps.find((x) => x.rate === rate);
            return s
              ? `${n(s.latency.p50)} / ${n(s.latency.p99)} / ${n(s.latency.p999)} (${s.received}/${s.sent})${s.held ? '' : ' ✗'}`
              : '';
          }),
        ];
      }),
    },
    {
      title: 'Fanout: one sender, one room across two nodes',
      head: [
        'system',
        'members',
        'messages',
        'delivered',
        'deliveries/s',
        'p50 ms',
        'p99 ms',
        'send ack p99 ms',
      ],
      rows: r.fanout.map((f) => [
        label(f.system),
        String(f.members),
        String(f.messages),
        `${f.delivered}/${f.expected}`,
        String(f.deliveriesPerSec),
        n(f.latency.p50),
        n(f.latency.p99),
        n(f.ack.p99),
      ]),
    },
    {
      title: 'Connections: idle authenticated connections on one node',
      head: [
        'system',
        'open',
        'connects/s',
        'connect p99 ms',
        'RSS KiB/conn',
        'heap KiB/conn',
        'RSS before -> after MiB',
      ],
      rows: r.connections.map((c) => [
        label(c.system),
        `${c.connected}/${c.requested}`,
        String(c.perSec),
        n(c.connectLatency.p99),
        kib(c.rssPerConn),
        kib(c.heapPerConn),
        `${n(c.before.rss / 2 ** 20, 0)} -> ${n(c.after.rss / 2 ** 20, 0)}`,
      ]),
    },
    {
      title:
        'History: pages of 50 from one conversation, one request at a time; Natter (lifecycle): the same pages of a twin conversation whose messages carry reactions, thread summaries, replies and mentions, read by the same client in alternating blocks with the plain ones',
      head: ['system', 'stored (conversation)', 'newest p50 / p99 ms', 'deep p50 / p99 ms', 'errors'],
      rows: r.history.map((h) => [
        h.variant ? `${label(h.system)} (${h.variant})` : label(h.system),
        `${h.stored} (${h.convMessages})`,
        `${n(h.newest.p50)} / ${n(h.newest.p99)}`,
        `${n(h.deep.p50)} / ${n(h.deep.p99)}`,
        String(h.errors),
      ]),
    },
    {
      title: `CPU per DM by cluster size: DMs at a fixed rate over ${r.cluster?.[0]?.pairs ?? '-'} pairs spread over every node (sender and recipient on different nodes), CPU ms per DM sent over the server processes (load generator excluded)`,
      head: [
        'system',
        'nodes',
        'offered/s',
        'delivered/s',
        'delivered/sent',
        'p50 / p99 ms',
        'CPU ms/DM',
        ...CLUSTER_KINDS,
        'idle CPU ms/s',
      ],
      rows: (r.cluster ?? []).flatMap((c) =>
        c.steps.map((s) => [
          c.system === 'natter' ? 'Natter (gateways + services)' : 'Socket.IO + Redis adapter',
          String(s.nodes),
          String(s.rate),
          String(s.deliveredPerSec),
          `${s.received}/${s.sent}${s.errors ? ` (${s.errors} errors)` : ''}`,
          `${n(s.latency.p50)} / ${n(s.latency.p99)}`,
          n(s.cpuPerDm, 3),
          ...CLUSTER_KINDS.map((k) => (s.cpuByKind[k] === undefined ? '-' : n(s.cpuByKind[k], 3))),
          s.idleCpuPerSec === undefined ? '-' : n(s.idleCpuPerSec, 1),
        ]),
      ),
    },
    ...stormTables(r),
    webhooksTable(r),
    reactionsTable(r),
    {
      title:
        'Where the CPU went: CPU time per DM sent, in ms (at the highest rate held, else the first step), and per fanout delivery, in µs, by process, load generator included',
      head: ['case', 'system', 'total', 'by process, largest first'],
      rows: cpuRows(r, label),
    },
    {
      title: 'Ratios (Natter / peer, Natter / limit) and the targets of issue 6',
      head: ['ratio', 'value', 'target', 'met'],
      rows: r.ratios.map((x) => [
        x.what,
        n(x.value),
        x.target?.text ?? '',
        x.met === undefined ? '' : x.met ? 'yes' : 'NO',
      ]),
    },
  ];
}

/** The process groups (lib/cpu.ts) each system runs on; the others sit idle meanwhile. */
const PROCESSES: Record<SystemId, RegExp> = {
  natter: /^(gw-\d+|gateway|history|rooms|presence|nats-server|redis-server|postgres|load generator)$/,
  peer: /^(socket\.io|redis-server|postgres|load generator)$/,
  ws: /^(ws relay|load generator)$/,
  nats: /^(nats-server|load generator)$/,
  pg: /^(postgres|load generator)$/,
};

function cpuRows(r: Report, label: (s: SystemId) => string): string[][] {
  /** `scale` turns milliseconds into the unit of the row (ms for a DM, µs for a delivery). */
  const row = (what: string, system: SystemId, per: Record<string, number> | undefined, scale: number) => {
    const used = Object.entries(per ?? {})
      .map(([g, ms]): [string, number] => [g, ms * scale])
      .filter(([g, v]) => PROCESSES[system].test(g) && v > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = used.reduce((t, [, v]) => t + v, 0);
    const digits = scale === 1 ? 3 : 1;
    const shown = used.map(([g, v]) => `${g} ${n(v, digits)}`).filter((x) => !x.endsWith(' 0'));
    return [what, label(system), n(total, digits), shown.join(', ')];
  };
  const rows: string[][] = [];
  for (const d of r.dm) {
    const step = d.steps.filter((s) => s.held).at(-1) ?? d.steps[0];
    if (step?.cpuPerMessage) rows.push(row(`DM @ ${step.rate}/s (ms)`, d.system, step.cpuPerMessage, 1));
  }
  for (const f of r.fanout)
    if (f.cpuPerDelivery)
      rows.push(row(`fanout ${f.members} members (µs)`, f.system, f.cpuPerDelivery, 1000));
  return rows;
}
