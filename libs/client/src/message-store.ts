import type { ChangeEvent, MessageView, ReactionView } from '@natter/protocol';
import { REACTION_USERS } from '@natter/protocol';
import type { Listener } from './emitter.ts';
import { Emitter } from './emitter.ts';

/** A message whose state the store changed (added, edited, deleted, reacted to, pinned). */
export interface StoreUpdate {
  conv: string;
  seq: number;
  message: MessageView;
}

interface StoreEvents {
  update: StoreUpdate;
}

/**
 * The current state of the messages the app has, per conversation (protocol 1.1 "Applying
 * changes"). It is the one owner of that state: messages (live, own sends, history pages)
 * and changes go in, and each message's state comes out. A change applies only when its
 * `ver` is above the message's, so duplicates and stale events change nothing, and a
 * message's whole state (`update`, a history page, a replayed message) replaces what the
 * store has only when it is newer. Changes to messages the store does not hold are ignored:
 * the history page that brings such a message brings it in its current state.
 *
 * Delta events (reactions) assume the `ver` order the client delivers them in; an `update`
 * or history page repairs anything else.
 */
export class MessageStore {
  private readonly convs = new Map<string, Map<number, MessageView>>();
  private readonly events = new Emitter<StoreEvents>();

  on(event: 'update', listener: Listener<StoreUpdate>): () => void {
    return this.events.on(event, listener);
  }

  /** The message's current state, if the store has it. */
  get(conv: string, seq: number): MessageView | undefined {
    return this.convs.get(conv)?.get(seq);
  }

  /** The messages of `conv` the store has, oldest first. */
  messages(conv: string): MessageView[] {
    const msgs = this.convs.get(conv);
    return msgs ? [...msgs.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /** The pinned messages of `conv` the store has, newest pin first. */
  pinned(conv: string): MessageView[] {
    return this.messages(conv)
      .filter((m) => m.pinned)
      .sort((a, b) => (b.pinned?.ts ?? '').localeCompare(a.pinned?.ts ?? '') || b.seq - a.seq);
  }

  /** Drops what the store holds of `conv` (e.g. before re-reading it after `refetch`). */
  forget(conv: string): void {
    this.convs.delete(conv);
  }

  /** Adds a message in a given state, or replaces the held one when this state is newer. Returns whether it changed. */
  put(message: MessageView): boolean {
    const held = this.get(message.conv, message.seq);
    if (held && (held.ver ?? 0) >= (message.ver ?? 0)) return false;
    this.set(message);
    return true;
  }

  /** Applies one change event; returns the message's new state, or undefined when nothing changed. */
  apply(change: ChangeEvent): MessageView | undefined {
    if (change.ev === 'update') {
      const whole = { ...change.message, ver: change.ver };
      return this.put(whole) ? whole : undefined;
    }
    const held = this.get(change.conv, change.seq);
    if (!held || change.ver <= (held.ver ?? 0)) return undefined;
    if (held.deleted) {
      // Nothing changes a tombstone; keep its ver so later stale events stay ignored.
      this.set({ ...held, ver: change.ver });
      return undefined;
    }
    const next = nextState(held, change);
    this.set(next);
    if (change.ev === 'delete') this.emptyRepliesTo(change.conv, change.seq);
    return next;
  }

  private set(message: MessageView): void {
    let msgs = this.convs.get(message.conv);
    if (!msgs) {
      msgs = new Map();
      this.convs.set(message.conv, msgs);
    }
    msgs.set(message.seq, message);
    this.events.emit('update', { conv: message.conv, seq: message.seq, message });
  }

  /** The server empties the previews of replies to a deleted message and takes no `ver` for it; so does the store. */
  private emptyRepliesTo(conv: string, seq: number): void {
    for (const m of this.messages(conv)) {
      if (m.reply?.seq === seq && m.reply.preview !== '')
        this.set({ ...m, reply: { ...m.reply, preview: '' } });
    }
  }
}

/** The state after one change (never `update`, which the store handles as a whole). */
function nextState(m: MessageView, change: Exclude<ChangeEvent, { ev: 'update' }>): MessageView {
  const ver = change.ver;
  switch (change.ev) {
    case 'edit': {
      const next: MessageView = { ...m, ver, text: change.text, edited: change.edited };
      if (change.mentions && change.mentions.length > 0) next.mentions = change.mentions;
      else delete next.mentions;
      return next;
    }
    case 'delete': {
      // The event carries no time; the client's clock is the best it has.
      const tomb: MessageView = { conv: m.conv, seq: m.seq, mid: m.mid, from: m.from, ts: m.ts, ver };
      if (m.cid !== undefined) tomb.cid = m.cid;
      tomb.deleted = new Date().toISOString();
      return tomb;
    }
    case 'reaction':
      return withReactions(m, ver, react(m.reactions ?? [], change.emoji, change.user, change.on));
    case 'pin': {
      const next: MessageView = { ...m, ver };
      if (change.on) next.pinned = { by: change.by, ts: new Date().toISOString() };
      else delete next.pinned;
      return next;
    }
    case 'thread':
      return { ...m, ver, thread: { replies: change.replies, last: change.last, users: change.users } };
  }
}

function withReactions(m: MessageView, ver: number, reactions: ReactionView[]): MessageView {
  const next: MessageView = { ...m, ver, reactions };
  if (reactions.length === 0) delete next.reactions;
  return next;
}

/**
 * The server sends a reaction event only when something changed, so `on` is always one
 * more reactor and `off` one fewer, even for a reactor beyond the `users` it lists.
 */
function react(reactions: ReactionView[], emoji: string, user: string, on: boolean): ReactionView[] {
  const i = reactions.findIndex((r) => r.emoji === emoji);
  const out = reactions.map((r) => ({ ...r, users: [...r.users] }));
  if (on) {
    if (i < 0) return [...out, { emoji, count: 1, users: [user] }];
    const r = out[i] as ReactionView;
    if (r.users.includes(user)) return out;
    r.count += 1;
    if (r.users.length < REACTION_USERS) r.users.push(user);
    return out;
  }
  if (i < 0) return out;
  const r = out[i] as ReactionView;
  r.count -= 1;
  r.users = r.users.filter((u) => u !== user);
  return r.count <= 0 ? out.filter((_, j) => j !== i) : out;
}
