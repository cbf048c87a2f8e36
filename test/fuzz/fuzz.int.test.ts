import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Bystanders } from './bystanders.ts';
import { fuzzFrame } from './frames.ts';
import { describeFrames, FuzzPool, type FuzzTarget, formatStats, startTarget } from './harness.ts';

/**
 * A bounded fuzz run (about 2000 frames) against a live single-node Natter: every frame
 * gets a well-formed answer (or the documented close), nothing throws unhandled, memory
 * stays bounded, and two bystanders on the same gateway keep talking undisturbed.
 * `npm run test:fuzz` runs the same with 100k frames. FUZZ_SEED replays a run.
 */
const RUNS = 25;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;

let target: FuzzTarget;
let pool: FuzzPool;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  target = await startTarget();
  pool = new FuzzPool(target.url, 4, 16);
  await pool.open();
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  pool?.close();
  await target?.stop();
});

it(`answers ~2000 hostile frames well-formed, without crashing or disturbing others (seed ${seed})`, async () => {
  const bystanders = await Bystanders.start(target.url);
  const heapBefore = process.memoryUsage().heapUsed;
  const details = await fc.check(
    fc.asyncProperty(fc.array(fuzzFrame, { minLength: 60, maxLength: 100 }), async (frames) => {
      const failures = await pool.run(frames);
      if (failures.length) throw new Error(failures.slice(0, 10).join('\n'));
    }),
    { numRuns: RUNS, seed, endOnFailure: true },
  );
  if (details.failed) {
    const frames = details.counterexample?.[0] ?? [];
    expect.fail(
      `seed ${seed}, path ${details.counterexamplePath}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\nframes:\n${describeFrames(frames)}`,
    );
  }
  const heapAfter = process.memoryUsage().heapUsed;
  const by = await bystanders.stop();
  console.log(
    `fuzz: seed ${seed}, heap ${(heapBefore / 2 ** 20).toFixed(0)} -> ${(heapAfter / 2 ** 20).toFixed(0)} MiB\n${formatStats(pool.stats)}`,
  );
  expect(pool.stats.get('frames')).toBeGreaterThanOrEqual(RUNS * 60);
  expect(by.problems).toEqual([]);
  expect(by.sent).toBeGreaterThan(5);
  expect(unhandled).toEqual([]);
  expect(target.node.gateway.ready()).toBe(true);
  // Generous: the whole system lives in this process; a leak per frame would show far beyond it.
  expect(heapAfter - heapBefore).toBeLessThan(256 * 2 ** 20);
});
