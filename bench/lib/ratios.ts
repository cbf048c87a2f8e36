import { reactionsBest } from './reactions-report.ts';
import type { ClusterResult, Ratio, Report, SystemId } from './results.ts';

// The run's ratios (Natter against the peer and the limits), for the report's Ratios table.

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

/** Natter against the peer and the limits, and the targets where it sets them. */
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
      ratio(
        'History deep page p99 with reactions and thread summaries / plain page',
        div(lifecycle.deep.p99, nh.deep.p99),
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
export function clusterGrowth(c: ClusterResult | undefined) {
  const first = c?.steps[0];
  const last = c?.steps.at(-1);
  if (!first || !last || first === last) return undefined;
  return { first, last, factor: div(last.cpuPerDm, first.cpuPerDm) };
}
