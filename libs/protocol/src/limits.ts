/** Protocol limits with their documented defaults (docs/protocol.md). */
export interface Limits {
  maxFrameBytes: number;
  maxTextChars: number;
  maxAttachments: number;
  helloTimeoutMs: number;
  heartbeatSec: number;
  replayPerConv: number;
  maxWatch: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 64 * 1024,
  maxTextChars: 4000,
  maxAttachments: 10,
  helloTimeoutMs: 10_000,
  heartbeatSec: 25,
  replayPerConv: 500,
  maxWatch: 1000,
};

/** Counts Unicode code points, so an emoji is one character as a user would count it. */
export function charLength(s: string): number {
  if (s.length <= 1) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}
