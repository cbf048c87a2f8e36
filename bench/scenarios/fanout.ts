import { cpuPer, cpuSince, cpuSnapshot, formatCpu } from '../lib/cpu.ts';
import { merge, summarize } from '../lib/histogram.ts';
import type { FanoutSendResult, RecvStats } from '../lib/ipc.ts';
import type { FanoutResult } from '../lib/results.ts';
import { seedRoom } from '../lib/seed.ts';
import { type Ctx, counterDetail, profiled, systemOf } from './context.ts';
import { collectUntil, connectRoom } from './room.ts';

/** Polls the workers until `expected` deliveries arrived, or none arrived for a while. */
const collect = (ctx: Ctx, expected: number) =>
  collectUntil<RecvStats>(ctx, 'recv-stats', (s) => s.received, expected);

/**
 * `fanout`: one room, `members` receivers spread over both nodes (and over the workers) plus
 * one sender on node 1 that keeps `fanoutWindow` sends in flight for `messages` messages.
 * Deliveries per second run from the first send to the last delivery; latency is send to
 * each member's event (the clock is shared by the workers: wall time at µs resolution).
 */
export async function runFanout(
  ctx: Ctx,
  id: 'natter' | 'peer' | 'ws',
  size: { members: number; messages: number },
): Promise<FanoutResult> {
  const { pool, sizes } = ctx;
  const sys = systemOf(ctx, id);
  const room = `f${ctx.tag}${id}${size.members}`;
  const sender = `${room}-s`;
  const members = Array.from({ length: size.members }, (_, i) => `${room}-${i}`);
  await seedRoom(ctx.db, id, room, [sender, ...members]);

  ctx.progress.phase(`fanout ${id} ${size.members}: connecting`, counterDetail(ctx));
  await connectRoom(ctx, `fanout ${id}`, sys.target, room, sender, members);

  // Warm-up: two messages all the way round (subscriptions, JIT, the room's first seq).
  ctx.progress.phase(`fanout ${id} ${size.members}: warm-up`, counterDetail(ctx));
  const warm = `w${ctx.tag}`;
  await pool.all(() => ({ cmd: 'recv-reset', tag: warm }));
  await pool.one(0, { cmd: 'fanout-send', from: sender, room, messages: 2, window: 1, tag: warm });
  await collect(ctx, 2 * size.members);

  ctx.progress.phase(`fanout ${id} ${size.members} x ${size.messages} msgs`, counterDetail(ctx));
  const tag = `m${ctx.tag}`;
  await pool.all(() => ({ cmd: 'recv-reset', tag }));
  const cpuBefore = cpuSnapshot();
  const { sent, expected, stats } = await profiled(ctx, id, `fanout ${size.members} members`, async () => {
    const sent = await pool.one<FanoutSendResult>(0, {
      cmd: 'fanout-send',
      from: sender,
      room,
      messages: size.messages,
      window: sizes.fanoutWindow,
      tag,
    });
    const expected = sent.acked * size.members;
    return { sent, expected, stats: await collect(ctx, expected) };
  });
  const cpu = cpuSince(cpuBefore);
  await pool.all(() => ({ cmd: 'close' }));

  const delivered = stats.reduce((n, s) => n + s.received, 0);
  const lastAt = Math.max(...stats.map((s) => s.lastAt));
  const seconds = lastAt > sent.startedAt ? (lastAt - sent.startedAt) / 1000 : Number.NaN;
  const r: FanoutResult = {
    system: id,
    members: size.members,
    messages: size.messages,
    expected,
    delivered,
    errors: sent.errors,
    seconds: Math.round(seconds * 1000) / 1000,
    deliveriesPerSec: Math.round(delivered / seconds),
    latency: summarize(merge(stats.map((s) => s.hist))),
    ack: summarize(merge([sent.ackHist])),
    firstError: sent.firstError,
    cpuPerDelivery: cpuPer(cpu, delivered),
  };
  ctx.progress.note(
    `  fanout ${id.padEnd(6)} ${String(size.members).padStart(5)} members  ${r.deliveriesPerSec} deliveries/s  p99 ${r.latency.p99} ms  (${delivered}/${expected} delivered)`,
  );
  ctx.progress.note(`    CPU ms per delivery: ${formatCpu(r.cpuPerDelivery ?? {})}`);
  return r;
}
