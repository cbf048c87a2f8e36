/** Something a test started that must not outlive the test run. */
export interface Tracked {
  readonly name: string;
  /** Orderly stop, including removing temp dirs. */
  stop(): Promise<void>;
  /** Synchronous SIGKILL (and temp dir removal) for the process 'exit' hook, where nothing async runs. */
  killNow(): void;
}

const live = new Set<Tracked>();

export function track(item: Tracked): void {
  live.add(item);
}

export function untrack(item: Tracked): void {
  live.delete(item);
}

/**
 * Stops everything still running, newest first (services before the servers they use).
 * Meant for afterAll; throws an AggregateError naming what failed to stop, after trying all.
 */
export async function stopAll(): Promise<void> {
  const items = [...live].reverse();
  const failed: Error[] = [];
  for (const item of items) {
    try {
      await item.stop();
    } catch (err) {
      failed.push(new Error(`stopping ${item.name} failed`, { cause: err }));
    } finally {
      live.delete(item);
    }
  }
  if (failed.length > 0) throw new AggregateError(failed, `stopAll: ${failed.length} item(s) failed to stop`);
}

function killAllNow(): void {
  for (const item of live) {
    try {
      item.killNow();
    } catch {
      // Nothing more can be done while exiting.
    }
  }
  live.clear();
}

// A test that throws before its afterAll, or a worker that exits early, must not leave
// servers behind on the machine: kill whatever is still tracked when the process exits.
process.on('exit', killAllNow);

// Vitest ends its worker processes with SIGTERM, which kills them without an 'exit' event.
// Clean up, then let the signal do what it would have done had we not listened.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAllNow();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
