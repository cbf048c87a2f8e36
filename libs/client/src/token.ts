/** A JWT, or a hook that returns a fresh one (called at every (re)connect and to refresh). */
export type TokenSource = string | (() => Promise<string>);

/** setTimeout's largest delay; anything longer fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Never refresh more often than this, even for a token that is about to expire. */
const MIN_REFRESH_MS = 1000;

/**
 * Reads `exp` and `iat` (seconds) from a JWT's payload WITHOUT verifying it: the client
 * only needs to know when to ask for a new one; the server does the verifying.
 * Returns undefined for anything that is not a JWT with a numeric `exp`.
 */
export function decodeJwtTimes(token: string): { exp: number; iat?: number } | undefined {
  const part = token.split('.')[1];
  if (!part || typeof atob !== 'function') return undefined;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json: unknown = JSON.parse(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), '=')));
    if (typeof json !== 'object' || json === null) return undefined;
    const { exp, iat } = json as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
    return typeof iat === 'number' && Number.isFinite(iat) && iat < exp ? { exp, iat } : { exp };
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds from `now` until the token should be refreshed: at 80% of its lifetime
 * (from `iat`, or from `now` when it has none), so a refresh has time to fail and retry
 * before `exp`. Undefined when the token has no readable `exp`.
 */
export function refreshDelayMs(token: string, now: number = Date.now()): number | undefined {
  const times = decodeJwtTimes(token);
  if (!times) return undefined;
  const start = times.iat !== undefined ? times.iat * 1000 : now;
  const at = start + 0.8 * (times.exp * 1000 - start);
  return Math.min(MAX_TIMER_MS, Math.max(MIN_REFRESH_MS, Math.round(at - now)));
}
