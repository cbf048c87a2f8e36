/**
 * `npm run bench` (full) and `npm run bench:quick`: starts Natter, the Socket.IO peer and
 * the limits on free ports, drives every scenario from worker processes, prints a table and
 * writes bench/results/latest.{json,md,svg} plus dated copies.
 *
 *   tsx bench/run.ts [--quick] [--only dm,fanout,reactions,connections,history,webhooks,cluster,storm] [--systems natter,peer]
 *                    [--workers 2] [--profile] [--dm-rates 500,1000] [--step-ms 5000]
 *                    [--cluster-sizes 2,4,8] [--storm-size gateways,processes,connections,joiners]
 *
 * --profile runs every Natter process under the V8 CPU profiler (lib/profile-entry.ts) and adds
 * their hottest functions to the report (the profiler slows them: use it to find costs, not for numbers).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { describeMachine } from './lib/machine.ts';
import { WorkerPool } from './lib/pool.ts';
import { NatterProfiler } from './lib/profiler.ts';
import { ProgressLine } from './lib/progress.ts';
import { computeRatios } from './lib/ratios.ts';
import { terminalTable, writeReport } from './lib/report.ts';
import type { Report } from './lib/results.ts';
import { historySeed } from './lib/seed.ts';
import { startSystems } from './lib/systems.ts';
import { runCluster } from './scenarios/cluster.ts';
import { runConnections } from './scenarios/connections.ts';
import { type Ctx, FULL, QUICK } from './scenarios/context.ts';
import { runDm } from './scenarios/dm.ts';
import { runFanout } from './scenarios/fanout.ts';
import { runHistory, seedHistory } from './scenarios/history.ts';
import { runReactions } from './scenarios/reactions.ts';
import { runStorm } from './scenarios/storm.ts';
import { runWebhooks } from './scenarios/webhooks.ts';

const SCENARIOS = [
  'connections',
  'dm',
  'fanout',
  'reactions',
  'history',
  'webhooks',
  'cluster',
  'storm',
] as const;
const RESULTS = new URL('./results/', import.meta.url).pathname;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      workers: { type: 'string', default: '2' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string', default: RESULTS },
      systems: { type: 'string' },
      'dm-rates': { type: 'string' },
      'step-ms': { type: 'string' },
      'cluster-sizes': { type: 'string' },
      'storm-size': { type: 'string' },
    },
  });
  const only = new Set(values.only ? values.only.split(',') : SCENARIOS);
  // --systems natter,peer: measure only these (for profiling; a report needs all of them).
  const picked = values.systems ? new Set(values.systems.split(',')) : undefined;
  const among = <T extends string>(ids: readonly T[]): T[] => ids.filter((id) => !picked || picked.has(id));
  const sizes = { ...(values.quick ? QUICK : FULL) };
  // For experiments: --dm-rates 500,1000,2000 --step-ms 5000.
  if (values['dm-rates']) sizes.dmRates = values['dm-rates'].split(',').map(Number);
  if (values['step-ms']) sizes.dmStepMs = Number(values['step-ms']);
  // --cluster-sizes 2,4,8: gateways / peer nodes in the cluster scenario (each at least 2).
  if (values['cluster-sizes'])
    sizes.clusterSizes = values['cluster-sizes']
      .split(',')
      .map(Number)
      .sort((a, b) => a - b);
  // --storm-size 6,6,30000,3000: gateways, worker processes, connections, joiners (experiments
  // between --quick and the full 100,000, which loads the machine for minutes).
  if (values['storm-size']) {
    const [gateways, processes, connections, joiners] = values['storm-size'].split(',').map(Number);
    sizes.storm = { ...sizes.storm, gateways, processes, connections, joiners };
  }
  const startedAt = new Date();
  const loadAvgStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const progress = new ProgressLine();
  // Profiles are large and not part of the committed results (.tmp is git-ignored).
  const profileDir = values.profile ? new URL('./.tmp/profile/', import.meta.url).pathname : undefined;
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });

  const systems = await startSystems({ profileDir, onStep: (what) => progress.phase(what) });
  const db = new pg.Pool({ connectionString: systems.infra.databaseUrl, max: 4 });
  const pool = new WorkerPool(Number(values.workers));
  const ctx: Ctx = {
    pool,
    systems,
    db,
    progress,
    sizes,
    tag: startedAt.getTime().toString(36).slice(-4),
    profiler: systems.natter.profiled ? new NatterProfiler(systems.natter.profiled) : undefined,
  };
  const { rows } = await db.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v");
  const report: Omit<Report, 'ratios' | 'seconds'> = {
    mode: values.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    machine: { ...describeMachine(rows[0].v), loadAvgStart },
    workers: pool.size,
    dm: [],
    fanout: [],
    connections: [],
    history: [],
    cluster: [],
    storm: [],
    webhooks: [],
    reactions: [],
    notes: [],
    timings: [{ what: 'start every system', seconds: (Date.now() - startedAt.getTime()) / 1000 }],
  };
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await fn();
      report.timings.push({ what, seconds: (Date.now() - t0) / 1000 });
    } catch (err) {
      const msg = `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
      failures.push(msg);
      progress.note(`  ${msg}`);
      await pool.all(() => ({ cmd: 'close' })).catch(() => undefined);
    }
  };

  try {
    // Connections first: memory per connection is read on processes that have not grown yet.
    if (only.has('connections')) {
      for (const id of among(['natter', 'peer', 'ws'] as const)) {
        await attempt(`connections ${id}`, async () => {
          report.connections.push(await runConnections(ctx, id));
        });
      }
    }
    if (only.has('dm')) {
      for (const id of among(['natter', 'peer', 'ws', 'nats'] as const)) {
        await attempt(`dm ${id}`, async () => {
          report.dm.push(await runDm(ctx, id));
        });
      }
    }
    if (only.has('fanout')) {
      for (const size of sizes.fanout) {
        for (const id of among(['natter', 'peer', 'ws'] as const)) {
          await attempt(`fanout ${id} ${size.members}`, async () => {
            report.fanout.push(await runFanout(ctx, id, size));
          });
        }
      }
    }
    if (only.has('reactions')) {
      for (const id of among(['natter', 'peer', 'ws'] as const)) {
        await attempt(`reactions ${id}`, async () => {
          report.reactions?.push(...(await runReactions(ctx, id)));
        });
      }
    }
    if (only.has('history')) {
      const seed = historySeed(sizes.historyStored);
      await attempt('history seeding', () => seedHistory(ctx, seed));
      for (const id of among(['natter', 'peer', 'pg'] as const)) {
        await attempt(`history ${id}`, async () => {
          report.history.push(...(await runHistory(ctx, id, seed)));
        });
      }
    }
    if (only.has('webhooks') && among(['natter'] as const).length) {
      await attempt('webhooks natter', async () => {
        report.webhooks?.push(await runWebhooks(ctx));
      });
    }
    // Last: it starts and stops extra gateways and nodes.
    if (only.has('cluster')) {
      for (const id of among(['natter', 'peer'] as const)) {
        await attempt(`cluster ${id}`, async () => {
          report.cluster?.push(await runCluster(ctx, id));
        });
      }
    }
    // After the cluster: it loads the whole machine (its own gateways and worker processes).
    if (only.has('storm')) {
      for (const id of among(['natter', 'peer'] as const)) {
        await attempt(`storm ${id}`, async () => {
          report.storm?.push(await runStorm(ctx, id));
        });
      }
    }
  } finally {
    progress.phase('stopping everything');
    pool.stop();
    await db.end();
    await systems.stop();
    progress.done();
  }

  const notes = report.notes;
  notes.push(
    `The load generator (${pool.size} worker processes) shares the machine's ${report.machine.cores} cores with every system under test, its databases and brokers; all systems but the one measured sit idle meanwhile.`,
    'DM latency counts from each message’s scheduled send time (open loop), so a stall is charged for every message it delayed. Fanout runs closed loop (the sender keeps a window of sends in flight) and measures capacity; its latency includes the queueing that saturation causes.',
    `Connections are capped by the per-process file descriptor limit (${report.machine.fdLimit}) of the node holding them; source addresses rotate over 127.0.0.1-4 so the ephemeral port range is never the limit.`,
    'Natter and the peer acknowledge a send only after their Postgres commit (same server, fsync off for both); the raw ws relay and NATS store nothing.',
  );
  for (const f of failures) notes.push(`FAILED: ${f}`);
  if (ctx.profiler) {
    report.profiles = ctx.profiler.profiles;
    notes.push(
      'Run with --profile: every Natter process ran under the V8 CPU profiler in the profiled phases, which slows it; compare its numbers only with other profiled runs.',
    );
  }
  report.machine.loadAvgEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const full: Report = {
    ...report,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    ratios: computeRatios(report),
  };
  process.stdout.write(`${terminalTable(full)}\n\n`);
  for (const p of writeReport(values.out, full, Boolean(values.only || values.systems)))
    process.stdout.write(`wrote ${path.relative(process.cwd(), p)}\n`);
  if (failures.length)
    process.stderr.write(`\n${failures.length} scenario(s) failed:\n${failures.join('\n')}\n`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
