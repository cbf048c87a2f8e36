import { encode, merge, newHistogram, summarize } from '../lib/histogram.ts';
import type { ConnectResult, HistoryResult as WorkerHistory } from '../lib/ipc.ts';
import type { HistoryResult } from '../lib/results.ts';
import {
  decorateNatterHistory,
  type HistorySeed,
  peerCursorAt,
  seedNatterHistory,
  seedPeerHistory,
  seedTotal,
  settleTables,
} from '../lib/seed.ts';
import { type Ctx, systemOf } from './context.ts';

const PAGE = 50;
/** The deep page ends just before this message of the conversation (its oldest thousand). */
const DEEP_AT = 1000;
const WARM_UP = 20;

/**
 * The lifecycle's cost on a page (issue 13: at most 2x the plain page's p99): after the plain
 * runs, the pages' messages get reactions, thread summaries, replies and mentions, and
 * Natter's pages are read again.
 */
export async function runLifecycleHistory(ctx: Ctx, seed: HistorySeed): Promise<HistoryResult> {
  ctx.progress.phase('history natter: decorating the pages read with reactions, threads, replies');
  await decorateNatterHistory(ctx.db, seed, { newest: PAGE * 2, deepBefore: DEEP_AT, deep: PAGE * 2 });
  return { ...(await runHistory(ctx, 'natter', seed)), variant: 'lifecycle' };
}

export async function seedHistory(ctx: Ctx, seed: HistorySeed): Promise<void> {
  ctx.progress.phase(`history: seeding ${seedTotal(seed)} messages into Natter's and the peer's tables`);
  await Promise.all([seedNatterHistory(ctx.db, seed), seedPeerHistory(ctx.db, seed)]);
  await settleTables(ctx.db, ['messages', 'peer_messages']);
}

/**
 * `history`: one client of the seeded conversation asks, one request at a time, for the
 * newest page and for a page deep in it (50 messages before its 1000th), through the system's
 * own history request. The `pg` row is the same query Natter's store runs, straight on the pool.
 */
export async function runHistory(
  ctx: Ctx,
  id: 'natter' | 'peer' | 'pg',
  seed: HistorySeed,
): Promise<HistoryResult> {
  const count = ctx.sizes.historyQueries;
  ctx.progress.phase(`history ${id}: ${count} newest + ${count} deep pages`);
  if (id === 'pg') return rawPg(ctx, seed, count);
  const sys = systemOf(ctx, id);
  const conn = await ctx.pool.one<ConnectResult>(0, {
    cmd: 'connect',
    target: sys.target,
    users: [{ user: seed.a, node: 0 }],
    concurrency: 1,
  });
  if (conn.failed) throw new Error(`history ${id}: could not connect: ${conn.firstError}`);
  const deepBefore = id === 'natter' ? DEEP_AT : await peerCursorAt(ctx.db, seed.conv, DEEP_AT);
  const ask = (before: number | undefined, n = count) =>
    ctx.pool.one<WorkerHistory>(0, {
      cmd: 'history',
      user: seed.a,
      conv: seed.conv,
      before,
      limit: PAGE,
      count: n,
    });
  await ask(undefined); // warm-up: the first query plans and caches
  const { newest, deep } = await alternating(count, (before, n) => ask(before, n), deepBefore);
  await ctx.pool.one(0, { cmd: 'close' });
  return result(ctx, id, seed, newest, deep);
}

/** Queries per block of one page kind (see alternating). */
const BLOCK = 50;

/**
 * `count` newest and `count` deep pages in alternating blocks, so that whatever else the
 * machine does meanwhile (a checkpoint, autovacuum after the decoration, another process's
 * burst) lands on both kinds alike: run one after the other, the second run alone took the
 * tail of anything that happened later (a p99 is the 10th-worst of 1,000 queries).
 */
async function alternating(
  count: number,
  ask: (before: number | undefined, n: number) => Promise<WorkerHistory>,
  deepBefore: number,
): Promise<{ newest: WorkerHistory; deep: WorkerHistory }> {
  const newest: WorkerHistory[] = [];
  const deep: WorkerHistory[] = [];
  for (let done = 0; done < count; done += BLOCK) {
    const n = Math.min(BLOCK, count - done);
    newest.push(await ask(undefined, n));
    deep.push(await ask(deepBefore, n));
  }
  return { newest: joinRuns(newest), deep: joinRuns(deep) };
}

function joinRuns(runs: WorkerHistory[]): WorkerHistory {
  return {
    ok: runs.reduce((k, r) => k + r.ok, 0),
    errors: runs.reduce((k, r) => k + r.errors, 0),
    firstError: runs.find((r) => r.firstError)?.firstError,
    hist: encode(merge(runs.map((r) => r.hist))),
  };
}

async function rawPg(ctx: Ctx, seed: HistorySeed, count: number): Promise<HistoryResult> {
  const run = async (before: number | null, n = count) => {
    const hist = newHistogram();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ctx.db.query(
        `SELECT conv, seq, mid, sender, cid, ts, text, attachments FROM messages
         WHERE conv = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
        [seed.conv, before, PAGE + 1],
      );
      hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
    return { ok: n, errors: 0, hist: encode(hist) };
  };
  await run(null, WARM_UP);
  const { newest, deep } = await alternating(count, (before, n) => run(before ?? null, n), DEEP_AT);
  return result(ctx, 'pg', seed, newest, deep);
}

function result(
  ctx: Ctx,
  id: HistoryResult['system'],
  seed: HistorySeed,
  newest: WorkerHistory,
  deep: WorkerHistory,
): HistoryResult {
  const r: HistoryResult = {
    system: id,
    stored: seedTotal(seed),
    convMessages: seed.convMessages,
    newest: summarize(merge([newest.hist])),
    deep: summarize(merge([deep.hist])),
    errors: newest.errors + deep.errors,
    firstError: newest.firstError ?? deep.firstError,
  };
  ctx.progress.note(
    `  history ${id.padEnd(6)} newest p50 ${r.newest.p50} ms p99 ${r.newest.p99} ms  deep p50 ${r.deep.p50} ms p99 ${r.deep.p99} ms`,
  );
  return r;
}
