import type { HistoryResult, MessageView, ThreadSummary } from '@natter/protocol';
import { parseConv, threadConv } from '@natter/protocol';

/** A thread conversation's id, which is also where its replies are sent. */
export type ThreadConv = `thread:${string}`;

/** The `thread` event: root `seq` of `conv` has a new summary of its thread (1.1 "Threads"). */
export interface ThreadEvent extends ThreadSummary {
  conv: string;
  seq: number;
  ver: number;
}

/** A thread as `openThread` gives it: its id, the root as the store has it, and the newest replies. */
export interface OpenedThread extends HistoryResult {
  conv: ThreadConv;
  /** The root message, if the store holds it (load the parent's history to have it). */
  root?: MessageView;
}

/**
 * The thread of message `seq` of `conv` (a room or DM conversation): `thread:<conv>:<seq>`.
 * Throws TypeError for a conversation id that is not well formed or is itself a thread
 * (threads do not nest), or a seq that is not a positive integer.
 */
export function threadOf(conv: string, seq: number): ThreadConv {
  const parsed = parseConv(conv);
  if (!parsed || parsed.thread) throw new TypeError(`threadOf: ${conv} is not a room or DM conversation`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new TypeError(`threadOf: seq must be a positive integer`);
  return threadConv(conv, seq) as ThreadConv;
}

/** The root of a thread conversation (`{conv, seq}`), or undefined for any other id. */
export function threadRoot(conv: string): { conv: string; seq: number } | undefined {
  const t = parseConv(conv)?.thread;
  return t && { conv: t.parent, seq: t.seq };
}
