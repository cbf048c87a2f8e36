import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER_KINDS } from '../scenarios/cluster.ts';
import { chartSvg } from './chart.ts';
import { reactionsBest, reactionsSummary, reactionsTable } from './reactions-report.ts';
import { type ClusterResult, type Ratio, type Report, SYSTEM_LABELS, type SystemId } from './results.ts';
import { stormTables } from './storm-report.ts';
import { webhooksTable } from './webhooks-report.ts';

const div = (a: number, b: number): number =>
  b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : Number.NaN;
const r2 = (n: number): number => Math.round(n * 100) / 100;

function ratio(what: string, value: number, target?: Ratio['target']): Ratio {
  const v = r2(value);
  const met =
    target && Number.isFinite(v)
      ? (target.min === undefined || v >= target.min) && (target.max === undefined || v <= target.max)
      : undefined;
  return { what, value: v, target, met };
}

/** Natter against the peer and the limits, and the issue's targets where it sets them. */
export function computeRatios(
  r: Pick<Report, 'dm' | 'fanout' | 'connections' | 'history' | 'cluster' | 'reactions'>,
): Ratio[] {
  const out: Ratio[] = [];
  const dm = (s: SystemId) => r.dm.find((d) => d.system === s)?.maxHeld ?? Number.NaN;
  if (r.dm.length) {
    out.push(
      ratio('DM rate held at p99 < 25 ms: Natter / peer', div(dm('natter'), dm('peer')), {
        min: 1.5,
        text: '>= 1.5',
      }),
    );
    out.push(ratio('DM rate held at p99 < 25 ms: Natter / raw ws', div(dm('natter'), dm('ws'))));
    out.push(ratio('DM rate held at p99 < 25 ms: Natter / raw NATS', div(dm('natter'), dm('nats'))));
    // Defined even when no step held (a busy machine): latency at the lowest offered rate.
    const low = (sys: SystemId) => r.dm.find((d) => d.system === sys)?.steps[0]?.latency ?? undefined;
    out.push(
      ratio(
        'DM p50 latency at the lowest rate: Natter / peer',
        div(low('natter')?.p50 ?? Number.NaN, low('peer')?.p50 ?? Number.NaN),
      ),
    );
    out.push(
      ratio(
        'DM p99 latency at the lowest rate: Natter / peer',
        div(low('natter')?.p99 ?? Number.NaN, low('peer')?.p99 ?? Number.NaN),
      ),
    );
  }
  for (const size of [...new Set(r.fanout.map((f) => f.members))]) {
    const f = (s: SystemId) =>
      r.fanout.find((x) => x.system === s && x.members === size)?.deliveriesPerSec ?? Number.NaN;
    out.push(
      ratio(`Fanout deliveries/s, ${size} members: Natter / peer`, div(f('natter'), f('peer')), {
        min: 2,
        text: '>= 2',
      }),
    );
    out.push(
      ratio(`Fanout deliveries/s, ${size} members: Natter / raw ws`, div(f('natter'), f('ws')), {
        min: 0.5,
        text: '>= 0.5',
      }),
    );
  }
  const c = (s: SystemId) => r.connections.find((x) => x.system === s);
  const natterConn = c('natter');
  if (natterConn) {
    out.push(
      ratio('Gateway RSS per idle connection, KiB (absolute)', natterConn.rssPerConn / 1024, {
        max: 10,
        text: '<= 10 KiB',
      }),
    );
    out.push(ratio('Gateway heap per idle connection, KiB (absolute)', natterConn.heapPerConn / 1024));
    out.push(
      ratio(
        'RSS per connection: Natter / peer',
        div(natterConn.rssPerConn, c('peer')?.rssPerConn ?? Number.NaN),
      ),
    );
    out.push(
      ratio(
        'RSS per connection: Natter / raw ws',
        div(natterConn.rssPerConn, c('ws')?.rssPerConn ?? Number.NaN),
      ),
    );
    out.push(ratio('Connect rate: Natter / peer', div(natterConn.perSec, c('peer')?.perSec ?? Number.NaN)));
    out.push(ratio('Connect rate: Natter / raw ws', div(natterConn.perSec, c('ws')?.perSec ?? Number.NaN)));
  }
  const growth = (s: ClusterResult['system']) => clusterGrowth(r.cluster?.find((x) => x.system === s));
  for (const s of ['natter', 'peer'] as const) {
    const g = growth(s);
    if (g)
      out.push(
        ratio(
          `CPU per DM, ${g.last.nodes} / ${g.first.nodes} nodes: ${s === 'natter' ? 'Natter' : 'peer'}`,
          g.factor,
        ),
      );
  }
  const [gn, gp] = [growth('natter'), growth('peer')];
  if (gn && gp && gn.last.nodes === gp.last.nodes)
    out.push(
      ratio(`CPU per DM at ${gn.last.nodes} nodes: Natter / peer`, div(gn.last.cpuPerDm, gp.last.cpuPerDm)),
    );
  if (r.reactions?.length) {
    const best = (held: boolean, other: SystemId) =>
      div(reactionsBest(r, 'natter', held), reactionsBest(r, other, held));
    out.push(
      ratio(
        'Reactions in a 1000-member room, deliveries/s held at p99 < 100 ms: Natter / peer',
        best(true, 'peer'),
      ),
      ratio('Reactions, deliveries/s of the best round whatever its p99: Natter / peer', best(false, 'peer')),
      ratio('Reactions, deliveries/s held at p99 < 100 ms: Natter / raw ws', best(true, 'ws')),
      ratio('Reactions, deliveries/s of the best round whatever its p99: Natter / raw ws', best(false, 'ws')),
    );
  }
  const h = (s: SystemId) => r.history.find((x) => x.system === s && !x.variant);
  const nh = h('natter');
  const lifecycle = r.history.find((x) => x.variant === 'lifecycle');
  if (nh && lifecycle) {
    out.push(
      ratio(
        'History newest page p99 with reactions and thread summaries / plain page',
        div(lifecycle.newest.p99, nh.newest.p99),
        { max: 2, text: 'at most 2x' },
      ),
    );
  }
  if (nh) {
    out.push(
      ratio(
        'History newest page p50 latency: Natter / peer',
        div(nh.newest.p50, h('peer')?.newest.p50 ?? Number.NaN),
      ),
    );
    out.push(
      ratio(
        'History deep page p50 latency: Natter / peer',
        div(nh.deep.p50, h('peer')?.deep.p50 ?? Number.NaN),
      ),
    );
    out.push(
      ratio(
        'History newest page p50 latency: Natter / raw Postgres',
        div(nh.newest.p50, h('pg')?.newest.p50 ?? Number.NaN),
      ),
    );
  }
  return out;
}

/** The smallest and largest cluster measured and how CPU per DM grew between them. */
function clusterGrowth(c: ClusterResult | undefined) {
  const first = c?.steps[0];
  const last = c?.steps.at(-1);
  if (!first || !last || first === last) return undefined;
  return { first, last, factor: div(last.cpuPerDm, first.cpuPerDm) };
}

/** One line on cost versus cluster size, for the top of the report; undefined without that scenario. */
export function clusterSummary(r: Pick<Report, 'cluster'>): string | undefined {
  const parts = (r.cluster ?? []).flatMap((c) => {
    const g = clusterGrowth(c);
    if (!g) return [];
    const unit = c.system === 'natter' ? 'gateways' : 'nodes';
    return [
      `${c.system === 'natter' ? 'Natter' : 'the peer'} ${n(g.first.cpuPerDm, 3)} ms at ${g.first.nodes} ${unit} -> ${n(g.last.cpuPerDm, 3)} ms at ${g.last.nodes} (x${n(g.factor)})`,
    ];
  });
  if (!parts.length) return undefined;
  const rate = r.cluster?.[0]?.steps[0]?.rate;
  return `Cost versus cluster size (CPU per DM over the server processes at ${rate}/s, load generator excluded): ${parts.join('; ')}.`;
}

const n = (v: number, digits = 2): string =>
  Number.isFinite(v) ? String(Math.round(v * 10 ** digits) / 10 ** digits) : '-';
const kib = (b: number): string => n(b / 1024, 1);

/** Rows of every table, shared by the terminal output and the Markdown report. */
function tables(r: Report): { title: string; head: string[]; rows: string[][] }[] {
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
      title: 'History: pages of 50 from one conversation, one request at a time',
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

/** The one-line summaries for the top of the report (cost versus cluster size, reactions held). */
function summaries(r: Report): string[] {
  return [clusterSummary(r), reactionsSummary(r)].filter((x): x is string => x !== undefined);
}

export function terminalTable(r: Report): string {
  const out: string[] = [];
  for (const line of summaries(r)) out.push('', line);
  for (const t of tables(r)) {
    if (!t.rows.length) continue;
    const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ');
    out.push('', t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line));
  }
  return out.join('\n');
}

export function markdown(r: Report, svg: string): string {
  const m = r.machine;
  const out = [
    `# Natter benchmark (${r.mode})`,
    '',
    `Run ${r.startedAt}, ${Math.round(r.seconds)} s, ${r.workers} load-generator worker processes, everything on one machine:`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; ${m.nats}; ${m.redis}; ${m.postgres}; fd limit ${m.fdLimit}.`,
    `Load average (1/5/15 min) at start ${m.loadAvgStart.join(' / ')}, at end ${m.loadAvgEnd?.join(' / ') ?? '-'}: above ${m.cores} means something else was competing for the CPU and the absolute numbers are low.`,
    '',
    'Systems: **Natter** (two gateways, history, rooms and presence as separate processes on nats-server, redis-server and Postgres); the **peer**, a Socket.IO 4 chat server with `@socket.io/redis-adapter` on two nodes that stores every message in the same Postgres before acknowledging it (bench/peers/socketio); the **limits**: a raw `ws` relay in one process (no storage) and a raw NATS publish/subscribe round trip.',
    'Absolute numbers move with the machine and its load; the ratios, measured in the same run, are what to compare.',
    ...summaries(r).flatMap((line) => ['', line]),
    '',
    svg,
    '',
  ];
  for (const t of tables(r)) {
    if (!t.rows.length) continue;
    out.push(`## ${t.title}`, '', `| ${t.head.join(' | ')} |`, `|${t.head.map(() => ' --- ').join('|')}|`);
    for (const row of t.rows) out.push(`| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
    out.push('');
  }
  for (const p of r.profiles ?? []) {
    out.push(
      `## CPU profile of ${p.process}: ${p.phase}`,
      '',
      `${p.busyMs} ms busy of ${p.sampledMs} ms sampled (${path.basename(p.file)}). Self time, as a share of busy time:`,
      '',
      '| by module | % | | by function | % |',
      '| --- | --- | --- | --- | --- |',
    );
    for (let i = 0; i < Math.max(p.modules.length, p.functions.length); i++) {
      const m = p.modules[i];
      const f = p.functions[i];
      out.push(
        `| ${m ? `\`${m.name}\`` : ''} | ${m?.percent ?? ''} | | ${f ? `\`${f.name}\`` : ''} | ${f?.percent ?? ''} |`,
      );
    }
    out.push('');
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((x) => `- ${x}`), '');
  out.push(
    '## Timings',
    '',
    ...r.timings.map((t) => `- ${t.what}: ${Math.round(t.seconds * 10) / 10} s`),
    '',
  );
  return out.join('\n');
}

/** Writes latest.{json,md,svg} and dated copies to `dir`; returns the paths written. */
export function writeReport(dir: string, r: Report): string[] {
  mkdirSync(dir, { recursive: true });
  const svg = chartSvg(r.dm, r.fanout, SYSTEM_LABELS);
  const stamp = `${r.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '')}-${r.mode}`;
  const files: [string, string][] = [
    ['latest.json', `${JSON.stringify(r, null, 2)}\n`],
    ['latest.md', markdown(r, svg)],
    ['latest.svg', svg],
    [`${stamp}.json`, `${JSON.stringify(r, null, 2)}\n`],
    [`${stamp}.md`, markdown(r, svg)],
  ];
  return files.map(([name, text]) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  });
}
