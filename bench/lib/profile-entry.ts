/**
 * Runs a service entry (BENCH_PROFILE_ENTRY) with the V8 CPU profiler on demand: each
 * SIGUSR2 toggles it, and a stop writes `<BENCH_PROFILE_OUT>.<n>.cpuprofile` (n = 1, 2, ...),
 * so the bench profiles exactly the phases it measures. `node --cpu-prof` cannot do that (and
 * is refused in NODE_OPTIONS; @natter/testkit runs processes as `node --import tsx <entry>`).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';

const entry = process.env.BENCH_PROFILE_ENTRY;
const out = process.env.BENCH_PROFILE_OUT;
if (!entry || !out) throw new Error('BENCH_PROFILE_ENTRY and BENCH_PROFILE_OUT must be set');

const session = new Session();
session.connect();
await session.post('Profiler.enable');
let running = false;
let n = 0;
let busy: Promise<void> = Promise.resolve();

process.on('SIGUSR2', () => {
  busy = busy.then(async () => {
    if (!running) {
      await session.post('Profiler.start');
      running = true;
      return;
    }
    const { profile } = await session.post('Profiler.stop');
    running = false;
    // Written under a temporary name, then renamed: the bench polls for the final name.
    const file = `${out}.${++n}.cpuprofile`;
    writeFileSync(`${file}.tmp`, JSON.stringify(profile));
    renameSync(`${file}.tmp`, file);
  });
});

await import(pathToFileURL(entry).href);
