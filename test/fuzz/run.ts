/**
 * `npm run test:fuzz`: 100k hostile frames (FUZZ_FRAMES to change it, FUZZ_SEED to replay)
 * against a live single-node Natter on a real Postgres, with two bystanders talking the
 * whole time. Prints the count of every answer (result, each error code, each close code)
 * and exits 1 on any failure: a malformed or missing answer, an unexpected close, an
 * unhandled rejection or exception, a bystander disturbed, or runaway memory.
 */
import fc from 'fast-check';
import { Bystanders } from './bystanders.ts';
import { fuzzFrame } from './frames.ts';
import { describeFrames, FuzzPool, formatStats, startTarget } from './harness.ts';

const total = Number(process.env.FUZZ_FRAMES ?? 100_000);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const BATCH = { min: 400, max: 600 };

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => unhandled.push(err));
process.on('uncaughtException', (err) => unhandled.push(err));

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
/** Live heap: collected first when the script runs with --expose-gc (npm run test:fuzz does). */
const liveHeap = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};
const started = Date.now();
const target = await startTarget({ logLevel: process.env.FUZZ_LOG_LEVEL });
const pool = new FuzzPool(target.url, Number(process.env.FUZZ_CONNECTIONS ?? 16), 32);
await pool.open();
const bystanders = await Bystanders.start(target.url);
const heapBefore = liveHeap();
let lastReport = Date.now();

const details = await fc.check(
  fc.asyncProperty(fc.array(fuzzFrame, { minLength: BATCH.min, maxLength: BATCH.max }), async (frames) => {
    // numRuns counts the smallest batches; the runs past `total` frames send nothing.
    if ((pool.stats.get('frames') ?? 0) >= total) return;
    const failures = await pool.run(frames);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      console.error(`... ${pool.stats.get('frames')} frames, heap ${mib(liveHeap())}`);
    }
    if (failures.length) throw new Error(failures.slice(0, 10).join('\n'));
  }),
  { numRuns: Math.ceil(total / BATCH.min), seed, endOnFailure: true },
);

const heapAfter = liveHeap();
const by = await bystanders.stop();
pool.close();
const problems: string[] = [];
if (details.failed) {
  const err =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  problems.push(
    `property failed (seed ${seed}, path ${details.counterexamplePath}):\n${err}\nframes:\n${describeFrames(details.counterexample?.[0] ?? [])}`,
  );
}
problems.push(...by.problems.map((p) => `bystander: ${p}`));
problems.push(...unhandled.map((e) => `unhandled: ${e instanceof Error ? e.stack : String(e)}`));
if (!target.node.gateway.ready()) problems.push('the gateway is not ready after the run');
// Live heap levels off after ~20k frames (+2 MiB from 20k to 100k, measured): a leak shows here.
if (heapAfter - heapBefore > 64 * 2 ** 20) problems.push(`live heap grew by ${mib(heapAfter - heapBefore)}`);
await target.stop();

console.log(
  `\nfuzz: ${pool.stats.get('frames')} frames in ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${seed}`,
);
console.log(
  `live heap: ${mib(heapBefore)} before, ${mib(heapAfter)} after; bystanders exchanged ${by.sent} messages`,
);
console.log(`\n${'answer'.padEnd(32)} ${'count'.padStart(8)}\n${formatStats(pool.stats)}\n`);
if (problems.length) {
  console.log(`FAILED:\n${problems.join('\n\n')}`);
  process.exit(1);
}
console.log('no crash, no unhandled rejection, every answer well-formed');
process.exit(0);
