import type { ChangeEvent, MessageView, ReactionView } from '@natter/protocol';
import { REACTION_USERS } from '@natter/protocol';

/** A change the store applies by itself (an `update` is a whole state, handled apart). */
export type DeltaChange = Exclude<ChangeEvent, { ev: 'update' }>;

/**
 * One change as the store logged it: `at` is when it arrived, the time a tombstone's
 * `deleted` and a pin's `ts` take (the events carry none), fixed at arrival so that
 * re-applying the log gives the same state every time.
 */
export interface LoggedChange {
  change: DeltaChange;
  at: string;
}

/**
 * The state after one change, as the server computes it (libs/messages pg-changes.ts),
 * or `m` itself when the change changes nothing there. Nothing but a thread summary
 * changes a tombstone (the server keeps a deleted root's thread readable).
 */
export function nextState(m: MessageView, { change, at }: LoggedChange): MessageView {
  const ver = Math.max(m.ver ?? 0, change.ver);
  if (m.deleted && change.ev !== 'thread') return m;
  switch (change.ev) {
    case 'edit': {
      const next: MessageView = { ...m, ver, text: change.text, edited: change.edited };
      if (change.mentions && change.mentions.length > 0) next.mentions = change.mentions;
      else delete next.mentions;
      return next;
    }
    case 'delete': {
      const tomb: MessageView = { conv: m.conv, seq: m.seq, mid: m.mid, from: m.from, ts: m.ts, ver };
      if (m.cid !== undefined) tomb.cid = m.cid;
      if (m.thread !== undefined) tomb.thread = m.thread;
      tomb.deleted = at;
      return tomb;
    }
    case 'reaction': {
      const reactions = react(m.reactions ?? [], change.emoji, change.user, change.on);
      if (reactions === m.reactions) return m;
      const next: MessageView = { ...m, ver, reactions };
      if (reactions.length === 0) delete next.reactions;
      return next;
    }
    case 'pin': {
      const next: MessageView = { ...m, ver };
      if (change.on) next.pinned = { by: change.by, ts: at };
      else delete next.pinned;
      return next;
    }
    case 'thread':
      return { ...m, ver, thread: { replies: change.replies, last: change.last, users: change.users } };
  }
}

/**
 * A reaction turned on or off. The server announces one only when it changed something,
 * but the store may see one twice by different routes (a retried own change and the
 * replay that brings it back): an `on` for a listed reactor, or an `off` for a user who is
 * neither listed nor could be among the unlisted (count beyond the listed users), changes
 * nothing. An emoji keeps its place while anyone still reacts with it; a new one goes last.
 */
export function react(reactions: ReactionView[], emoji: string, user: string, on: boolean): ReactionView[] {
  const i = reactions.findIndex((r) => r.emoji === emoji);
  const r = reactions[i];
  if (on) {
    if (!r) return [...reactions, { emoji, count: 1, users: [user] }];
    if (r.users.includes(user)) return reactions;
    const users = r.users.length < REACTION_USERS ? [...r.users, user] : r.users;
    return reactions.map((x, j) => (j === i ? { emoji, count: r.count + 1, users } : x));
  }
  if (!r) return reactions;
  const listed = r.users.includes(user);
  if (!listed && r.count <= r.users.length) return reactions;
  if (r.count <= 1) return reactions.filter((_, j) => j !== i);
  const users = listed ? r.users.filter((u) => u !== user) : r.users;
  return reactions.map((x, j) => (j === i ? { emoji, count: r.count - 1, users } : x));
}
