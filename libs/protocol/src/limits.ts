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
/** Changed messages per conversation `hello` replays after a `since` `ver`; past it, `refetch`. */
export const REPLAY_CHANGES = 500;
/** Distinct emoji one message may carry. */
export const MAX_REACTIONS = 20;
/** Reactors listed per emoji in a message's `reactions` (the first ones). */
export const REACTION_USERS = 20;
/** Code points of an emoji (a reaction). */
export const MAX_EMOJI_CHARS = 32;
/** Pinned messages per conversation. */
export const MAX_PINS = 50;
/** Code points of a reply's preview of the message it answers. */
export const REPLY_PREVIEW_CHARS = 100;
/** `history` (and its HTTP twin): `limit` from 1 to `max`, `default` without one. */
export const HISTORY_PAGE = { default: 50, max: 200 } as const;
/** `rooms` with `public`: `limit` from 1 to `max`, `default` without one. */
export const ROOMS_PAGE = { default: 50, max: 200 } as const;

/** Unused invitations `invites` lists at most (the newest); older ones still let their invitee join. */
export const INVITES_MAX = 200;

/** Users each list of a `receipts` answer names at most (`read`, `received`). */
export const RECEIPTS_MAX = 200;
/** The SDK sends `received` for a conversation at most once per this many ms. */
export const RECEIVED_INTERVAL_MS = 1000;

/** Devices one user may register for push; registering one more drops the oldest. */
export const MAX_PUSH_DEVICES = 10;
/** Longest Web Push endpoint URL (https only). */
export const MAX_PUSH_ENDPOINT = 2048;
/** Longest FCM registration token or APNs device token. */
export const MAX_PUSH_TOKEN = 4096;

/** Counts Unicode code points, so an emoji is one character as a user would count it. */
export function charLength(s: string): number {
  if (s.length <= 1) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A reaction's emoji: 1 to MAX_EMOJI_CHARS code points, no whitespace, no U+0000. */
export function isEmoji(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_EMOJI_CHARS * 2) return false;
  return charLength(s) <= MAX_EMOJI_CHARS && !/\s/u.test(s) && !s.includes('\u0000');
}
