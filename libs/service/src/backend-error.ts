import { NatterError } from '@natter/protocol';

/** How long a client waits before retrying a request a lost backend refused. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1000;

/**
 * The one store-error convention: a backend that cannot be reached is the client error
 * `unavailable` (the client retries, with the same cid for a send), named after the part
 * that is down so an operator reading the client's error knows where to look.
 */
export function backendUnavailable(
  what: string,
  cause: unknown,
  retryAfterMs = UNAVAILABLE_RETRY_AFTER_MS,
): NatterError {
  return new NatterError('unavailable', `${what} is unavailable, try again`, retryAfterMs, { cause });
}

/**
 * Maps a store's rejection for the client: a connection error becomes
 * `backendUnavailable(what)`, a NatterError (the store already decided) and anything else
 * (a bug, a constraint) are left as they are.
 */
export function backendError(
  what: string,
  err: unknown,
  isConnectionError: (err: unknown) => boolean,
): unknown {
  if (err instanceof NatterError || !isConnectionError(err)) return err;
  return backendUnavailable(what, err);
}

export function isUnavailable(err: unknown): boolean {
  return err instanceof NatterError && err.code === 'unavailable';
}
