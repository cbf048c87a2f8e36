import { cpuPer, cpuSince, cpuSnapshot, formatCpu } from '../lib/cpu.ts';
import type { ClusterResult, ClusterStep } from '../lib/results.ts';
import { type Ctx, counterDetail, sleep } from './context.ts';
import { connectPairs, type DmPair, dmStep } from './dm.ts';

/** Which kind of server process a CPU group (lib/cpu.ts) is, per system; others are not counted. */
const KINDS: Record<ClusterResult['system'], [RegExp, string][]> = {
  natter: [
    [/^(gw-\d+|gateway)$/, 'nodes'],
    [/^(history|presence|rooms|nats-server|redis-server|postgres)$/, ''],
  ],
  peer: [
    [/^socket\.io$/, 'nodes'],
    [/^(redis-server|postgres)$/, ''],
  ],
};

/** The kinds shown for each system, in the report's order. */
export const CLUSTER_KINDS = [
  'nodes',
  'history',
  'presence',
  'rooms',
  'nats-server',
  'redis-server',
  'postgres',
];

/** CPU ms per DM summed by kind of server process (the load generator and the other system left out). */
function byKind(system: ClusterResult['system'], perDm: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [group, ms] of Object.entries(perDm)) {
    const hit = KINDS[system].find(([re]) => re.test(group));
    if (!hit) continue;
    const kind = hit[1] || group;
    out[kind] = Math.round(((out[kind] ?? 0) + ms) * 1e6) / 1e6;
  }
  return out;
}

const total = (byKind: Record<string, number>): number =>
  Math.round(Object.values(byKind).reduce((a, b) => a + b, 0) * 1e6) / 1e6;

/**
 * `size` nodes, pairs spread over all of them: pair k's sender on node k mod size, its
 * recipient on one of the other nodes (cycling through them), so every DM crosses nodes and
 * every node sends and receives the same share.
 */
function clusterPairs(ctx: Ctx, id: string, size: number): DmPair[] {
  return Array.from({ length: ctx.sizes.clusterPairs }, (_, k) => {
    const fromNode = k % size;
    const toNode = size > 1 ? (fromNode + 1 + (Math.floor(k / size) % (size - 1))) % size : 0;
    return { from: `c${ctx.tag}${id}${size}a${k}`, to: `c${ctx.tag}${id}${size}b${k}`, fromNode, toNode };
  });
}

/**
 * `cluster`, cost versus cluster size: DMs at one fixed rate (sizes.clusterRate) over a fixed
 * number of pairs spread over 2, 4, 8 (quick: 2, 4) Natter gateways on the same services, or
 * Socket.IO nodes on the same Redis. Reports CPU per DM over the system's server processes
 * by kind, delivered/s and latency per size: the work per DM should not grow with the
 * number of nodes, unless every node does something for every DM (the peer's Redis adapter
 * publishes each one to every node).
 */
export async function runCluster(ctx: Ctx, id: ClusterResult['system']): Promise<ClusterResult> {
  const { pool, sizes } = ctx;
  const rate = sizes.clusterRate;
  const steps: ClusterStep[] = [];
  try {
    for (const size of sizes.clusterSizes) {
      const what = `cluster ${id} x${size}`;
      ctx.progress.phase(`${what}: starting nodes`);
      const sys = await ctx.systems.resize(id, size);
      const pairs = clusterPairs(ctx, id, size);
      await connectPairs(ctx, sys, what, pairs);
      // Warm-up (new nodes' JIT, each pair's conversation created): every pair sends once.
      ctx.progress.phase(`${what}: warm-up`, counterDetail(ctx));
      await dmStep(ctx, pairs, rate, Math.max(500, (1000 * pairs.length) / rate), false);
      let idleCpuPerSec: number | undefined;
      if (sizes.clusterIdleMs > 0) {
        ctx.progress.phase(`${what}: idle`, counterDetail(ctx));
        const before = cpuSnapshot();
        const t0 = performance.now();
        await sleep(sizes.clusterIdleMs);
        const used = total(byKind(id, cpuSince(before)));
        idleCpuPerSec = Math.round((used * 1000 * 1000) / (performance.now() - t0)) / 1000;
      }
      ctx.progress.phase(`${what} @ ${rate}/s`, counterDetail(ctx));
      const t = await dmStep(ctx, pairs, rate, sizes.clusterStepMs);
      await pool.all((_w) => ({ cmd: 'close' }));
      const cpuPerMessage = cpuPer(t.cpu, t.sent);
      const cpuByKind = byKind(id, cpuPerMessage);
      const s: ClusterStep = {
        nodes: size,
        rate,
        sent: t.sent,
        acked: t.acked,
        received: t.received,
        errors: t.errors,
        sentRate: Math.round(t.sentRate),
        deliveredPerSec: t.sendMs > 0 ? Math.round((t.received * 1000) / t.sendMs) : 0,
        crossNodePairs: pairs.filter((p) => p.fromNode !== p.toNode).length,
        latency: t.latency,
        ack: t.ack,
        firstError: t.firstError,
        cpuPerDm: total(cpuByKind),
        cpuByKind,
        cpuPerMessage,
        idleCpuPerSec,
      };
      steps.push(s);
      ctx.progress.note(
        `  ${what.padEnd(18)} ${s.received}/${s.sent} delivered, ${s.deliveredPerSec}/s  p50 ${s.latency.p50} ms  p99 ${s.latency.p99} ms  CPU ${s.cpuPerDm} ms/DM${s.errors ? `  ${s.errors} errors: ${s.firstError}` : ''}`,
      );
      ctx.progress.note(
        `    CPU ms per DM: ${formatCpu(cpuByKind)}${idleCpuPerSec === undefined ? '' : `; idle ${idleCpuPerSec} ms/s`}`,
      );
    }
  } finally {
    // Back to the two nodes the other scenarios use; idle extras would cost them CPU.
    ctx.progress.phase(`cluster ${id}: stopping extra nodes`);
    await ctx.systems.resize(id, 2);
  }
  return { system: id, pairs: sizes.clusterPairs, steps };
}
