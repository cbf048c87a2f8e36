import { setTimeout as sleep } from 'node:timers/promises';
import { WaitTimeoutError } from './errors.ts';

export interface WaitForOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Default 50 ms. */
  intervalMs?: number;
  /** Named in the timeout error: "timed out after 10000 ms waiting for <what>". */
  what?: string;
}

/**
 * Polls `fn` until it returns a truthy value and resolves with it. A throw counts as "not yet";
 * the last one becomes the `cause` of the WaitTimeoutError thrown at the deadline.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${last}`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(intervalMs);
  }
}
