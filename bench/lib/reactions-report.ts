import { REACTIONS_P99_MS } from '../scenarios/reactions.ts';
import type { Report, SystemId } from './results.ts';

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/**
 * The highest deliveries/s of a round with nothing lost (`held`: and every delivery's p99
 * under 100 ms); NaN if none.
 */
export function reactionsBest(r: Pick<Report, 'reactions'>, system: SystemId, held: boolean): number {
  const rounds = (r.reactions ?? []).filter(
    (x) =>
      x.system === system &&
      x.delivered >= x.expected &&
      x.errors === 0 &&
      (!held || x.latency.p99 < REACTIONS_P99_MS),
  );
  return rounds.length ? Math.max(...rounds.map((x) => x.deliveriesPerSec)) : Number.NaN;
}

/** The `reactions` scenario's table (issue 13), for report.ts. */
export function reactionsTable(r: Pick<Report, 'reactions'>) {
  return {
    title: `Reactions: one room, every tenth member reacting to each message at a random moment before the next; deliveries are the messages and the reaction events (held: p99 < ${REACTIONS_P99_MS} ms, nothing lost)`,
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
      'held',
    ],
    rows: (r.reactions ?? []).map((x) => [
      x.system === 'natter' ? 'Natter (2 gateways + services)' : 'Socket.IO + Redis adapter (2 nodes)',
      `${x.members} (${x.reactors})`,
      String(x.rate),
      `${x.messages}, ${x.reactions}`,
      `${x.delivered}/${x.expected}${x.errors ? ` (${x.errors} errors)` : ''}${x.unmatched ? ` (${x.unmatched} unmatched)` : ''}`,
      String(x.deliveriesPerSec),
      `${n(x.latency.p50)} / ${n(x.latency.p99)}`,
      n(x.messageLatency.p99),
      `${n(x.reactionLatency.p50)} / ${n(x.reactionLatency.p99)}`,
      n(x.reactAck.p99),
      x.latency.p99 < REACTIONS_P99_MS && x.delivered >= x.expected && x.errors === 0 ? 'yes' : 'no',
    ]),
  };
}
