import { cpuPer, cpuSince, cpuSnapshot, formatCpu } from '../lib/cpu.ts';
import { merge, summarize } from '../lib/histogram.ts';
import type { ConnectResult, UserSpec, DmResult as WorkerDm } from '../lib/ipc.ts';
import type { DmResult, DmStep } from '../lib/results.ts';
import { type Ctx, counterDetail, profiled, systemOf } from './context.ts';

export const P99_TARGET_MS = 25;

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
  }));
  const mine = (w: number) => pairs.filter((_, k) => k % pool.size === w);

  ctx.progress.phase(`dm ${id}: connecting ${pairs.length * 2} users`, counterDetail(ctx));
  const conns = await pool.all<ConnectResult>((w) => ({
    cmd: 'connect',
    target: sys.target,
    users: mine(w).flatMap((p): UserSpec[] => [
      { user: p.from, node: 0 },
      { user: p.to, node: 1 },
    ]),
    concurrency: 20,
  }));
  const failed = conns.reduce((n, c) => n + c.failed, 0);
  if (failed > 0)
    throw new Error(`dm ${id}: ${failed} connections failed: ${conns.find((c) => c.firstError)?.firstError}`);

  const step = async (rate: number, durationMs: number, record: boolean) => {
    const parts = await pool.all<WorkerDm>((w) =>
      mine(w).length
        ? { cmd: 'dm', pairs: mine(w), rate: rate / pool.size, durationMs, drainMs: sizes.dmDrainMs, record }
        : undefined,
    );
    return parts.filter(Boolean);
  };

  // Warm-up (JIT, first message of each DM creates its conversation): not recorded.
  ctx.progress.phase(`dm ${id}: warm-up`, counterDetail(ctx));
  await step(Math.min(200, sizes.dmRates[0]), 1000, false);

  const steps: DmStep[] = [];
  await profiled(ctx, id, 'dm (all steps)', async () => {
    for (const rate of sizes.dmRates) {
      ctx.progress.phase(`dm ${id} @ ${rate}/s`, counterDetail(ctx));
      const cpuBefore = cpuSnapshot();
      const parts = await step(rate, sizes.dmStepMs, true);
      const cpu = cpuSince(cpuBefore);
      const sum = (f: (p: WorkerDm) => number) => parts.reduce((n, p) => n + f(p), 0);
      const sent = sum((p) => p.sent);
      const acked = sum((p) => p.acked);
      const received = sum((p) => p.received);
      const errors = sum((p) => p.errors);
      const sendMs = Math.max(...parts.map((p) => p.sendMs));
      const latency = summarize(merge(parts.map((p) => p.hist)));
      const ack = summarize(merge(parts.map((p) => p.ackHist)));
      const sentRate = sendMs > 0 ? (sent * 1000) / sendMs : 0;
      let why: string | undefined;
      if (errors > 0) why = `${errors} sends failed`;
      else if (received < acked)
        why = `${acked - received} acknowledged messages not delivered within ${sizes.dmDrainMs} ms`;
      else if (!(latency.p99 < P99_TARGET_MS)) why = `p99 ${latency.p99} ms >= ${P99_TARGET_MS} ms`;
      else if (sentRate < rate * 0.95) why = `generator reached only ${Math.round(sentRate)}/s`;
      const s: DmStep = {
        rate,
        sent,
        acked,
        received,
        errors,
        sentRate: Math.round(sentRate),
        latency,
        ack,
        held: why === undefined,
        why,
        firstError: parts.find((p) => p.firstError)?.firstError,
        cpuPerMessage: cpuPer(cpu, sent),
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
