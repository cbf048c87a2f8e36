import type { Logger } from '@natter/log';

/** A background check run every `intervalMs` and on demand, never twice at once. */
export interface Periodic {
  /** Runs it now (or right after the run in progress). */
  runNow(): Promise<void>;
  stop(): void;
}

export function periodic(what: string, intervalMs: number, log: Logger, fn: () => Promise<void>): Periodic {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await fn();
        } catch (err) {
          log.warn({ err }, `${what} failed; retrying at the next interval`);
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return {
    runNow: run,
    stop: () => clearInterval(timer),
  };
}
