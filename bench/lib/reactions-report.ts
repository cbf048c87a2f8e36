import { REACTIONS_P99_MS } from '../scenarios/reactions.ts';
import { type ReactionsResult, type Report, SYSTEM_LABELS, type SystemId } from './results.ts';

const n = (x: number | undefined, digits = 1) =>
  x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '-';

/** The raw ws relay does the least a chat server can per delivery: what the machine allows. */
const label = (s: SystemId) => (s === 'ws' ? `${SYSTEM_LABELS.ws}, the machine's limit` : SYSTEM_LABELS[s]);

const complete = (x: ReactionsResult) => x.delivered >= x.expected && x.errors === 0;
const held = (x: ReactionsResult) => complete(x) && x.latency.p99 < REACTIONS_P99_MS;

/**
 * The highest deliveries/s of a round with nothing lost (`held`: and every delivery's p99
 * under 100 ms); NaN if none.
 */
export function reactionsBest(r: Pick<Report, 'reactions'>, system: SystemId, mustHold: boolean): number {
  const rounds = (r.reactions ?? []).filter((x) => x.system === system && (mustHold ? held(x) : complete(x)));
  return rounds.length ? Math.max(...rounds.map((x) => x.deliveriesPerSec)) : Number.NaN;
}

/**
 * One line for the top of the report: per system, the highest deliveries/s held and the p99 of
 * its lowest rate, so Natter and the peer read against the ws relay (when the relay does not
 * hold either, the machine and the load generator set the floor); undefined without the scenario.
 */
export function reactionsSummary(r: Pick<Report, 'reactions'>): string | undefined {
  const systems = [...new Set((r.reactions ?? []).map((x) => x.system))];
  if (!systems.length) return undefined;
  const parts = systems.map((s) => {
    const best = reactionsBest(r, s, true);
    const lowest = (r.reactions ?? []).filter((x) => x.system === s).sort((a, b) => a.rate - b.rate)[0];
    return `${label(s)} ${Number.isFinite(best) ? `${best} deliveries/s` : 'none'} (p99 ${n(lowest.latency.p99)} ms at ${lowest.rate} messages/s)`;
  });
  return `Reactions (issue 13), highest deliveries/s held at p99 < ${REACTIONS_P99_MS} ms with nothing lost: ${parts.join('; ')}.`;
}

/** The `reactions` scenario's table (issue 13), for report.ts. */
export function reactionsTable(r: Pick<Report, 'reactions'>) {
  return {
    title: `Reactions: one room, every tenth member reacting to each message at a random moment before the next; deliveries are the messages and the reaction events (held: p99 < ${REACTIONS_P99_MS} ms, nothing lost); the load generator's event loop delay over the round (the worst worker)`,
    head: [
      'system',
      'members (reactors)',
      'messages/s',
      'messages, reactions',
      'delivered',
      'deliveries/s',
      'all p50 / p99 ms',
      'messages p99 ms',
      'reactions p50 / p99 ms',
      'react answer p99 ms',
      'generator loop delay p99 / max ms',
      'held',
    ],
    rows: (r.reactions ?? []).map((x) => [
      label(x.system),
      `${x.members} (${x.reactors})`,
      String(x.rate),
      `${x.messages}, ${x.reactions}`,
      `${x.delivered}/${x.expected}${x.errors ? ` (${x.errors} errors)` : ''}${x.unmatched ? ` (${x.unmatched} unmatched)` : ''}`,
      String(x.deliveriesPerSec),
      `${n(x.latency.p50)} / ${n(x.latency.p99)}`,
      n(x.messageLatency.p99),
      `${n(x.reactionLatency.p50)} / ${n(x.reactionLatency.p99)}`,
      n(x.reactAck.p99),
      `${n(x.clientLoopP99Ms)} / ${n(x.clientLoopMaxMs)}`,
      held(x) ? 'yes' : 'no',
    ]),
  };
}
