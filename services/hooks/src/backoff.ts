/**
 * The retry schedule in multiples of NATTER_WEBHOOK_BACKOFF_MS (default 5 s): 5 s, 30 s,
 * 2 min, 10 min, 1 h, then hourly; an event still failing 24 h (scaled alike) after its first
 * failure is given up. Tests scale it down with a small base.
 */
const STEPS = [1, 6, 24, 120, 720];
const HOURLY = 720;
const GIVE_UP = 17_280; // 24 h at the 5 s base

/** The delay before attempt `failed + 1`, after `failed` failed attempts (failed >= 1). */
export function retryDelayMs(failed: number, baseMs: number): number {
  return (STEPS[failed - 1] ?? HOURLY) * baseMs;
}

/** How long an event may keep failing before it is given up. */
export function giveUpAfterMs(baseMs: number): number {
  return GIVE_UP * baseMs;
}
