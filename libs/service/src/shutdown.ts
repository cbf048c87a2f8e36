import type { Logger } from '@natter/log';

export interface ShutdownOptions {
  /** Past this the process exits 1 even if `stop` has not finished. Default 15 s. */
  timeoutMs?: number;
  /** How to end the process; tests pass their own. Default `process.exit`. */
  exit?: (code: number) => void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * On SIGTERM or SIGINT, runs `stop` once (drain the bus, close servers) and exits 0, or 1
 * when it throws or outlasts the timeout: an orchestrator waits for exit, so a hung drain
 * must not keep a dead instance around. A second signal while stopping exits 1 at once
 * (Ctrl-C twice).
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, opts: ShutdownOptions = {}): void {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while shutting down; exiting now without finishing');
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'shutting down: finishing work in flight');
    const started = Date.now();
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown did not finish in time; exiting anyway');
      exit(1);
    }, timeoutMs);
    Promise.resolve()
      .then(stop)
      .then(
        () => {
          clearTimeout(timer);
          log.info({ ms: Date.now() - started }, 'shut down cleanly');
          exit(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          log.error({ err }, 'shutdown failed; exiting');
          exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
