import { cpuPer, cpuSince, cpuSnapshot, formatCpu } from '../lib/cpu.ts';
import { type LatencySummary, merge, summarize } from '../lib/histogram.ts';
import type { ConnectResult, UserSpec, DmResult as WorkerDm } from '../lib/ipc.ts';
import type { DmResult, DmStep } from '../lib/results.ts';
import type { System } from '../lib/systems.ts';
import { type Ctx, counterDetail, profiled, systemOf } from './context.ts';

export const P99_TARGET_MS = 25;

/** A DM pair: `from` on node `fromNode` sends to `to` on node `toNode` (indexes into the target's urls). */
export interface DmPair {
  from: string;
  to: string;
  fromNode: number;
  toNode: number;
}

/** The pairs worker `w` drives: both users of a pair in one worker, so latency is one process's clock. */
const pairsOf = (ctx: Ctx, pairs: DmPair[], w: number): { from: string; to: string }[] =>
  pairs.filter((_, k) => k % ctx.pool.size === w).map(({ from, to }) => ({ from, to }));

/** Connects both users of every pair to their nodes of `sys`, spread over the workers. */
export async function connectPairs(ctx: Ctx, sys: System, what: string, pairs: DmPair[]): Promise<void> {
  ctx.progress.phase(`${what}: connecting ${pairs.length * 2} users`, counterDetail(ctx));
  const conns = await ctx.pool.all<ConnectResult>((w) => ({
    cmd: 'connect',
    target: sys.target,
    users: pairs
      .filter((_, k) => k % ctx.pool.size === w)
      .flatMap((p): UserSpec[] => [
        { user: p.from, node: p.fromNode },
        { user: p.to, node: p.toNode },
      ]),
    concurrency: 20,
  }));
  const failed = conns.reduce((n, c) => n + c.failed, 0);
  if (failed > 0)
    throw new Error(`${what}: ${failed} connections failed: ${conns.find((c) => c.firstError)?.firstError}`);
}

/** One DM step over every worker, summed: counts, merged histograms, CPU used meanwhile. */
export interface DmStepTotals {
  sent: number;
  acked: number;
  received: number;
  errors: number;
  /** The longest time a worker took to send its share, ms. */
  sendMs: number;
  sentRate: number;
  latency: LatencySummary;
  ack: LatencySummary;
  firstError?: string;
  /** CPU milliseconds per process group (lib/cpu.ts) over the step. */
  cpu: Record<string, number>;
}

/**
 * Offers `rate` DMs per second over `pairs` (connected by connectPairs) for `durationMs`, open
 * loop (bench/worker.ts `dm`), and waits up to the drain time for outstanding deliveries.
 */
export async function dmStep(
  ctx: Ctx,
  pairs: DmPair[],
  rate: number,
  durationMs: number,
  record = true,
): Promise<DmStepTotals> {
  const { pool, sizes } = ctx;
  const cpuBefore = cpuSnapshot();
  const parts = (
    await pool.all<WorkerDm>((w) =>
      pairsOf(ctx, pairs, w).length
        ? {
            cmd: 'dm',
            pairs: pairsOf(ctx, pairs, w),
            rate: rate / pool.size,
            durationMs,
            drainMs: sizes.dmDrainMs,
            record,
          }
        : undefined,
    )
  ).filter(Boolean);
  const cpu = cpuSince(cpuBefore);
  const sum = (f: (p: WorkerDm) => number) => parts.reduce((n, p) => n + f(p), 0);
  const sent = sum((p) => p.sent);
  const sendMs = Math.max(...parts.map((p) => p.sendMs));
  return {
    sent,
    acked: sum((p) => p.acked),
    received: sum((p) => p.received),
    errors: sum((p) => p.errors),
    sendMs,
    sentRate: sendMs > 0 ? (sent * 1000) / sendMs : 0,
    latency: summarize(merge(parts.map((p) => p.hist))),
    ack: summarize(merge(parts.map((p) => p.ackHist))),
    firstError: parts.find((p) => p.firstError)?.firstError,
    cpu,
  };
}

/**
 * `dm`: pairs of users, the sender on node 1 and the recipient on node 2 (both in one worker,
 * so latency is one process's clock), send persisted DMs at stepped offered rates. A step is
 * held when p99 (send to the recipient's event) is under 25 ms, nothing is lost or refused,
 * and the generator sent at least 95% of the offered rate; stepping stops at the first
 * step that is not held.
 */
export async function runDm(ctx: Ctx, id: 'natter' | 'peer' | 'ws' | 'nats'): Promise<DmResult> {
  const { pool, sizes } = ctx;
  const sys = systemOf(ctx, id);
  const pairs = Array.from({ length: sizes.dmPairs }, (_, k) => ({
    from: `d${ctx.tag}${id}a${k}`,
    to: `d${ctx.tag}${id}b${k}`,
    fromNode: 0,
    toNode: 1,
  }));
  await connectPairs(ctx, sys, `dm ${id}`, pairs);

  // Warm-up (JIT, first message of each DM creates its conversation): not recorded.
  ctx.progress.phase(`dm ${id}: warm-up`, counterDetail(ctx));
  await dmStep(ctx, pairs, Math.min(200, sizes.dmRates[0]), 1000, false);

  const steps: DmStep[] = [];
  await profiled(ctx, id, 'dm (all steps)', async () => {
    for (const rate of sizes.dmRates) {
      ctx.progress.phase(`dm ${id} @ ${rate}/s`, counterDetail(ctx));
      const t = await dmStep(ctx, pairs, rate, sizes.dmStepMs);
      const { sent, acked, received, errors, latency, ack } = t;
      let why: string | undefined;
      if (errors > 0) why = `${errors} sends failed`;
      else if (received < acked)
        why = `${acked - received} acknowledged messages not delivered within ${sizes.dmDrainMs} ms`;
      else if (!(latency.p99 < P99_TARGET_MS)) why = `p99 ${latency.p99} ms >= ${P99_TARGET_MS} ms`;
      else if (t.sentRate < rate * 0.95) why = `generator reached only ${Math.round(t.sentRate)}/s`;
      const s: DmStep = {
        rate,
        sent,
        acked,
        received,
        errors,
        sentRate: Math.round(t.sentRate),
        latency,
        ack,
        held: why === undefined,
        why,
        firstError: t.firstError,
        cpuPerMessage: cpuPer(t.cpu, sent),
      };
      steps.push(s);
      ctx.progress.note(
        `  dm ${id.padEnd(6)} ${String(rate).padStart(6)}/s  p50 ${latency.p50} ms  p99 ${latency.p99} ms  p99.9 ${latency.p999} ms  ${s.held ? 'held' : `not held: ${why}`}`,
      );
      ctx.progress.note(`    CPU ms per message: ${formatCpu(s.cpuPerMessage ?? {})}`);
      if (!s.held) break;
    }
  });
  await pool.all((_w) => ({ cmd: 'close' }));
  const held = steps.filter((s) => s.held).map((s) => s.rate);
  return { system: id, pairs: pairs.length, steps, maxHeld: held.length ? Math.max(...held) : 0 };
}
