import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chartSvg } from './chart.ts';
import { clusterGrowth } from './ratios.ts';
import { reactionsSummary } from './reactions-report.ts';
import { n, tables } from './report-tables.ts';
import { type Report, SYSTEM_LABELS } from './results.ts';

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

/**
 * Writes the report's dated copies to `dir`, and latest.* unless it is `partial` (an --only or --systems
 * run: one scenario's experiment must not replace the last whole run that bench/README.md cites);
 * returns the paths written.
 */
export function writeReport(dir: string, r: Report, partial = false): string[] {
  mkdirSync(dir, { recursive: true });
  const svg = chartSvg(r.dm, r.fanout, SYSTEM_LABELS);
  const stamp = `${r.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '')}-${r.mode}${partial ? '-partial' : ''}`;
  const json = `${JSON.stringify(r, null, 2)}\n`;
  const md = markdown(r, svg);
  const files: [string, string][] = [
    [`${stamp}.json`, json],
    [`${stamp}.md`, md],
  ];
  if (!partial) files.push(['latest.json', json], ['latest.md', md], ['latest.svg', svg]);
  return files.map(([name, text]) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  });
}
