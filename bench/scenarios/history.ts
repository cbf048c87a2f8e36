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
 * Seeds both systems' tables alike, then gives the pages of Natter's twin conversation what
 * the lifecycle leaves on busy messages (reactions, thread summaries, replies, mentions), for
 * issue 13's target: the decorated page's p99 at most 2x the plain page's.
 */
export async function seedHistory(ctx: Ctx, seed: HistorySeed): Promise<void> {
  ctx.progress.phase(`history: seeding ${seedTotal(seed)} messages into Natter's and the peer's tables`);
  await Promise.all([seedNatterHistory(ctx.db, seed), seedPeerHistory(ctx.db, seed)]);
  ctx.progress.phase(
    "history natter: decorating the twin conversation's pages with reactions, threads, replies",
  );
  await decorateNatterHistory(ctx.db, seed, { newest: PAGE * 2, deepBefore: DEEP_AT, deep: PAGE * 2 });
  await settleTables(ctx.db, ['messages', 'peer_messages']);
}

/**
 * `history`: one client asks, one request at a time, for the newest page of the seeded
 * conversation and for a page deep in it (50 messages before its 1000th), through the
 * system's own history request. Natter's client reads the decorated twin's same two pages
 * too, in the same alternation (the `lifecycle` row), so the ratio compares pages timed side
 * by side. The `pg` row is the same query Natter's store runs, straight on the pool.
 */
export async function runHistory(
  ctx: Ctx,
  id: 'natter' | 'peer' | 'pg',
  seed: HistorySeed,
): Promise<HistoryResult[]> {
  const count = ctx.sizes.historyQueries;
  const convs = id === 'natter' ? [seed.conv, seed.twin] : [seed.conv];
  ctx.progress.phase(`history ${id}: ${count} newest + ${count} deep pages of ${convs.join(' and ')}`);
  if (id === 'pg') return [await rawPg(ctx, seed, count)];
  const sys = systemOf(ctx, id);
  const conn = await ctx.pool.one<ConnectResult>(0, {
    cmd: 'connect',
    target: sys.target,
    users: [{ user: seed.a, node: 0 }],
    concurrency: 1,
  });
  if (conn.failed) throw new Error(`history ${id}: could not connect: ${conn.firstError}`);
  const kinds: Kind[] = [];
  for (const conv of convs) {
    const deepBefore = id === 'natter' ? DEEP_AT : await peerCursorAt(ctx.db, conv, DEEP_AT);
    const ask = (before: number | undefined) => (n: number) =>
      ctx.pool.one<WorkerHistory>(0, { cmd: 'history', user: seed.a, conv, before, limit: PAGE, count: n });
    kinds.push(ask(undefined), ask(deepBefore));
  }
  for (const warmUp of kinds) await warmUp(WARM_UP); // plans, caches, compiles each path
  const runs = await alternating(count, kinds);
  await ctx.pool.one(0, { cmd: 'close' });
  const plain = result(ctx, id, seed, runs[0], runs[1]);
  if (id !== 'natter') return [plain];
  return [plain, result(ctx, id, seed, runs[2], runs[3], 'lifecycle')];
}

/** Queries per block of one page kind (see alternating). */
const BLOCK = 50;

/** One kind of page: asks for `n` of them, one at a time, and returns their latencies. */
type Kind = (n: number) => Promise<WorkerHistory>;

/**
 * `count` pages of each kind in alternating blocks, so that whatever else the machine does
 * meanwhile (a checkpoint, autovacuum, another process's burst) lands on every kind alike:
 * run one after the other, the last run alone took the tail of anything that happened later
 * (a p99 is the 10th-worst of 1,000 queries).
 */
async function alternating(count: number, kinds: Kind[]): Promise<WorkerHistory[]> {
  const runs: WorkerHistory[][] = kinds.map(() => []);
  for (let done = 0; done < count; done += BLOCK) {
    const n = Math.min(BLOCK, count - done);
    for (const [i, ask] of kinds.entries()) runs[i].push(await ask(n));
  }
  return runs.map(joinRuns);
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
  const [newest, deep] = await alternating(count, [(n) => run(null, n), (n) => run(DEEP_AT, n)]);
  return result(ctx, 'pg', seed, newest, deep);
}

function result(
  ctx: Ctx,
  id: HistoryResult['system'],
  seed: HistorySeed,
  newest: WorkerHistory,
  deep: WorkerHistory,
  variant?: HistoryResult['variant'],
): HistoryResult {
  const r: HistoryResult = {
    system: id,
    ...(variant ? { variant } : {}),
    stored: seedTotal(seed),
    convMessages: seed.convMessages,
    newest: summarize(merge([newest.hist])),
    deep: summarize(merge([deep.hist])),
    errors: newest.errors + deep.errors,
    firstError: newest.firstError ?? deep.firstError,
  };
  ctx.progress.note(
    `  history ${(variant ? `${id} ${variant}` : id).padEnd(16)} newest p50 ${r.newest.p50} ms p99 ${r.newest.p99} ms  deep p50 ${r.deep.p50} ms p99 ${r.deep.p99} ms`,
  );
  return r;
}
