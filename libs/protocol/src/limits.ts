/**
 * Protocol constants: limits every client may rely on, documented in docs/protocol.md.
 * They are part of the contract, not tunables; those (frame size, text length, timeouts)
 * are settings in @natter/config.
 */

/** Attachments one message may carry. */
export const MAX_ATTACHMENTS = 10;
/** Users one session may watch, and so users one presence query may name. */
export const MAX_WATCH = 1000;
/** Messages per conversation `hello` replays after `since`; past it the client pages with `history`. */
export const REPLAY_PER_CONV = 500;
/** `history` (and its HTTP twin): `limit` from 1 to `max`, `default` without one. */
export const HISTORY_PAGE = { default: 50, max: 200 } as const;
/** `rooms` with `public`: `limit` from 1 to `max`, `default` without one. */
export const ROOMS_PAGE = { default: 50, max: 200 } as const;

/** Users each list of a `receipts` answer names at most (`read`, `received`). */
export const RECEIPTS_MAX = 200;
/** The SDK sends `received` for a conversation at most once per this many ms. */
export const RECEIVED_INTERVAL_MS = 1000;

/** Counts Unicode code points, so an emoji is one character as a user would count it. */
export function charLength(s: string): number {
  if (s.length <= 1) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}
