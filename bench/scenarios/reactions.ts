import { merge, summarize } from '../lib/histogram.ts';
import type { FanoutSendResult, ReactJoinResult, ReactRoundStats } from '../lib/ipc.ts';
import { worstLoopDelay } from '../lib/loop-delay.ts';
import type { ReactionsResult } from '../lib/results.ts';
import { seedRoom } from '../lib/seed.ts';
import { type Ctx, counterDetail, profiled, systemOf } from './context.ts';
import { collectUntil, connectRoom } from './room.ts';

/** p99 of every delivery (messages and reactions) a rate must stay under to count as held (issue 13). */
export const REACTIONS_P99_MS = 100;
const EMOJI = '👍';

/**
 * `reactions` (issue 13): one room of `members` across both nodes (and the workers), one
 * sender on node 1 sending a message every 1/rate s (open loop), and every tenth member
 * reacting to each message at a random moment before the next one: Natter's `react`, the peer's
 * `reaction` emit, the raw ws relay's `react` (the machine's limit: nothing stored, nothing
 * checked); every reaction goes to every other member. Deliveries are the messages and the
 * reaction events; a reaction's latency is its reactor's request to each member's event, joined
 * across workers after the round (lib/reactions-worker.ts).
 */
export async function runReactions(ctx: Ctx, id: 'natter' | 'peer' | 'ws'): Promise<ReactionsResult[]> {
  const { pool } = ctx;
  const { members: n, messages, rates, reactEvery } = ctx.sizes.reactions;
  const sys = systemOf(ctx, id);
  const room = `x${ctx.tag}${id}${n}`;
  const sender = `${room}-s`;
  const members = Array.from({ length: n }, (_, i) => `${room}-${i}`);
  const reactors = members.filter((_, i) => i % reactEvery === 0);
  await seedRoom(ctx.db, id, room, [sender, ...members]);

  ctx.progress.phase(`reactions ${id} ${n}: connecting`, counterDetail(ctx));
  await connectRoom(ctx, `reactions ${id}`, sys.target, room, sender, members);

  const out: ReactionsResult[] = [];
  try {
    // Warm-up round (subscriptions, JIT, the statements' plans), then one round per rate.
    await round(ctx, id, { sender, room, reactors, members: n, messages: 1, rate: 1, tag: `w${ctx.tag}` });
    for (const rate of rates) {
      out.push(
        await round(ctx, id, {
          sender,
          room,
          reactors,
          members: n,
          messages,
          rate,
          tag: `r${ctx.tag}${rate}`,
        }),
      );
    }
  } finally {
    await pool.all(() => ({ cmd: 'close' }));
  }
  return out;
}

interface Round {
  sender: string;
  room: string;
  reactors: string[];
  members: number;
  messages: number;
  rate: number;
  tag: string;
}

async function round(ctx: Ctx, id: 'natter' | 'peer' | 'ws', r: Round): Promise<ReactionsResult> {
  const { pool } = ctx;
  ctx.progress.phase(`reactions ${id} ${r.members}: ${r.messages} msgs at ${r.rate}/s`, counterDetail(ctx));
  // The reactions to one message come within the gap to the next, as people react: not as
  // one burst of reactors x members deliveries in the same millisecond.
  await pool.all(() => ({
    cmd: 'react-arm',
    tag: r.tag,
    reactors: r.reactors,
    emoji: EMOJI,
    spreadMs: 1000 / r.rate,
  }));
  const { sent, stats } = await profiled(ctx, id, `reactions ${r.members} members ${r.rate}/s`, async () => {
    const sent = await pool.one<FanoutSendResult>(0, {
      cmd: 'fanout-send',
      from: r.sender,
      room: r.room,
      messages: r.messages,
      window: r.messages,
      everyMs: 1000 / r.rate,
      tag: r.tag,
    });
    // Each message to every member; each reaction to every other member and the sender.
    const expected = sent.acked * r.members + sent.acked * r.reactors.length * r.members;
    return { sent, stats: await collect(ctx, expected) };
  });
  const sentAt: Record<string, number> = Object.assign({}, ...stats.map((s) => s.sentAt));
  const joined = await pool.all<ReactJoinResult>(() => ({ cmd: 'react-join', sentAt }));

  const msgDelivered = stats.reduce((k, s) => k + s.messages, 0);
  const reactDelivered = stats.reduce((k, s) => k + s.reactionsReceived, 0);
  const lastAt = Math.max(...stats.map((s) => s.lastAt));
  const seconds = lastAt > sent.startedAt ? (lastAt - sent.startedAt) / 1000 : Number.NaN;
  const messagesLatency = merge(stats.map((s) => s.msgHist));
  const reactionsLatency = merge(joined.map((j) => j.hist));
  const all = merge([...stats.map((s) => s.msgHist), ...joined.map((j) => j.hist)]);
  const reactions = stats.reduce((k, s) => k + s.reactions, 0);
  const res: ReactionsResult = {
    system: id,
    members: r.members,
    reactors: r.reactors.length,
    rate: r.rate,
    messages: sent.acked,
    reactions,
    expected: sent.acked * r.members + reactions * r.members,
    delivered: msgDelivered + reactDelivered,
    unmatched: joined.reduce((k, j) => k + j.unmatched, 0),
    errors: sent.errors + stats.reduce((k, s) => k + s.errors, 0),
    firstError: sent.firstError ?? stats.find((s) => s.firstError)?.firstError,
    seconds: Math.round(seconds * 1000) / 1000,
    deliveriesPerSec: Math.round((msgDelivered + reactDelivered) / seconds),
    latency: summarize(all),
    messageLatency: summarize(messagesLatency),
    reactionLatency: summarize(reactionsLatency),
    reactAck: summarize(merge(stats.map((s) => s.ackHist))),
    ...worstLoopDelay(stats),
  };
  ctx.progress.note(
    `  reactions ${id.padEnd(6)} ${r.rate}/s  ${res.deliveriesPerSec} deliveries/s  p99 ${res.latency.p99} ms (messages ${res.messageLatency.p99}, reactions ${res.reactionLatency.p99})  (${res.delivered}/${res.expected} delivered, ${res.errors} errors; generator loop delay p99 ${res.clientLoopP99Ms} max ${res.clientLoopMaxMs} ms)`,
  );
  return res;
}

/** Polls until every delivery arrived and every reactor has its answer (only then is `expected` final). */
const collect = (ctx: Ctx, expected: number) =>
  collectUntil<ReactRoundStats>(
    ctx,
    'react-stats',
    (s) => s.messages + s.reactionsReceived,
    expected,
    (stats) => stats.every((s) => s.acked + s.errors >= s.reactions),
  );
