import { ConfigError } from '@natter/config';
import { createLogger } from '@natter/log';

export interface RunMainOptions {
  /** How to end the process; tests pass their own. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Runs a service's main. A bad configuration prints `natter <name>: <message>` to stderr
 * and exits 2 (the operator's mistake, with the variable named); any other startup failure
 * is logged as fatal and exits 1.
 */
export async function runMain(
  name: string,
  fn: () => Promise<void>,
  opts: RunMainOptions = {},
): Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`natter ${name}: ${err.message}\n`);
      exit(2);
      return;
    }
    // The service's own logger may not exist yet (or be the thing that failed).
    createLogger({ name }).fatal({ err }, `${name} failed to start; exiting`);
    exit(1);
  }
}
