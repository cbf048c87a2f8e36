import type { DmResult, FanoutResult, SystemId } from './results.ts';

/**
 * The report's chart, as a self-contained SVG: DM p99 latency against offered rate (log-log,
 * with the 25 ms line) on the left, fanout deliveries per second by room size on the right.
 */
const COLORS: Record<SystemId, string> = {
  natter: '#2563eb',
  peer: '#dc2626',
  ws: '#16a34a',
  nats: '#9333ea',
  pg: '#6b7280',
};
const W = 440;
const H = 300;
const M = { l: 56, r: 12, t: 28, b: 44 };

const r1 = (n: number) => Math.round(n * 10) / 10;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

function dmPanel(dm: DmResult[]): string {
  const pts = dm.flatMap((d) => d.steps.filter((s) => Number.isFinite(s.latency.p99)));
  if (pts.length === 0) return '<text x="20" y="40">no DM data</text>';
  const rates = pts.map((s) => s.rate);
  const lats = pts.map((s) => Math.max(0.1, s.latency.p99));
  const x0 = Math.log10(Math.min(...rates) / 1.3);
  const x1 = Math.log10(Math.max(...rates) * 1.3);
  const y0 = Math.log10(Math.min(0.1, ...lats));
  const y1 = Math.log10(Math.max(100, ...lats) * 1.5);
  const x = (v: number) => r1(M.l + ((Math.log10(v) - x0) / (x1 - x0)) * (W - M.l - M.r));
  const y = (v: number) => r1(H - M.b - ((Math.log10(Math.max(0.1, v)) - y0) / (y1 - y0)) * (H - M.t - M.b));
  const out: string[] = [
    `<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">DM p99 latency vs offered rate</text>`,
  ];
  for (let e = Math.ceil(y0); e <= Math.floor(y1); e++) {
    const v = 10 ** e;
    out.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${M.l - 4}" y="${y(v) + 4}" text-anchor="end">${v < 1 ? v : fmt(v)} ms</text>`);
  }
  for (const r of [...new Set(rates)]) {
    out.push(`<text x="${x(r)}" y="${H - M.b + 14}" text-anchor="middle">${fmt(r)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">offered messages/s</text>`);
  out.push(
    `<line x1="${M.l}" x2="${W - M.r}" y1="${y(25)}" y2="${y(25)}" stroke="#f59e0b" stroke-dasharray="4 3"/>`,
  );
  out.push(`<text x="${W - M.r}" y="${y(25) - 4}" text-anchor="end" fill="#b45309">25 ms</text>`);
  for (const d of dm) {
    const ps = d.steps
      .filter((s) => Number.isFinite(s.latency.p99))
      .map((s) => `${x(s.rate)},${y(s.latency.p99)}`);
    if (!ps.length) continue;
    out.push(
      `<polyline fill="none" stroke="${COLORS[d.system]}" stroke-width="2" points="${ps.join(' ')}"/>`,
    );
    for (const p of ps)
      out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${COLORS[d.system]}"/>`);
  }
  return out.join('');
}

function fanoutPanel(fanout: FanoutResult[]): string {
  const sizes = [...new Set(fanout.map((f) => f.members))].sort((a, b) => a - b);
  const systems = [...new Set(fanout.map((f) => f.system))];
  const max = Math.max(
    1,
    ...fanout.map((f) => (Number.isFinite(f.deliveriesPerSec) ? f.deliveriesPerSec : 0)),
  );
  const gw = (W - M.l - M.r) / Math.max(1, sizes.length);
  const bw = (gw * 0.8) / Math.max(1, systems.length);
  const y = (v: number) => r1(H - M.b - (v / (max * 1.1)) * (H - M.t - M.b));
  const out: string[] = [
    `<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">Room fanout deliveries/s</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * 1.1 * i) / 4;
    out.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${M.l - 4}" y="${y(v) + 4}" text-anchor="end">${fmt(Math.round(v / 1000) * 1000)}</text>`,
    );
  }
  sizes.forEach((size, i) => {
    const gx = M.l + i * gw + gw * 0.1;
    out.push(
      `<text x="${M.l + i * gw + gw / 2}" y="${H - M.b + 14}" text-anchor="middle">${size} members</text>`,
    );
    systems.forEach((sys, j) => {
      const f = fanout.find((r) => r.members === size && r.system === sys);
      const v = f && Number.isFinite(f.deliveriesPerSec) ? f.deliveriesPerSec : 0;
      out.push(
        `<rect x="${gx + j * bw}" y="${y(v)}" width="${bw - 2}" height="${H - M.b - y(v)}" fill="${COLORS[sys]}"/>`,
      );
    });
  });
  return out.join('');
}

export function chartSvg(dm: DmResult[], fanout: FanoutResult[], labels: Record<SystemId, string>): string {
  const systems = [...new Set([...dm.map((d) => d.system), ...fanout.map((f) => f.system)])];
  const legend = systems
    .map(
      (s, i) =>
        `<rect x="${20 + i * 220}" y="${H + 6}" width="12" height="12" fill="${COLORS[s]}"/><text x="${36 + i * 220}" y="${H + 16}">${esc(labels[s])}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 28}" viewBox="0 0 ${2 * W} ${H + 28}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<g>${dmPanel(dm)}</g>`,
    `<g transform="translate(${W},0)">${fanoutPanel(fanout)}</g>`,
    legend,
    '</svg>',
  ].join('\n');
}
