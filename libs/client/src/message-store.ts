import type { ChangeEvent, MessageView } from '@natter/protocol';
import type { Listener } from './emitter.ts';
import { Emitter } from './emitter.ts';
import { type DeltaChange, type LoggedChange, nextState } from './message-state.ts';

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
 * One message as the store knows it: the newest whole state it was given (`base`: a
 * message event, a history page, an `update`), the changes above that state's ver by ver,
 * and what they make together (`current`). Without a base (changes that came before their
 * message), it is only a buffer.
 */
interface Held {
  base?: MessageView;
  log: Map<number, LoggedChange>;
  current?: MessageView;
}

/** Changes kept per message above its base before the oldest are folded into it. */
const MAX_LOG = 256;
/** Messages whose changes came before them (kept until the message comes), per store. */
const MAX_BUFFERED = 1000;

/**
 * The current state of the messages the app has, per conversation (protocol 1.1 "Applying
 * changes"). It is the one owner of that state: messages (live, own sends, history pages)
 * and changes go in, and each message's state comes out.
 *
 * It converges whatever the order and repetition of what it is given: each message's state
 * is its newest whole state with every change above that state's `ver` applied in `ver`
 * order. A `ver` is one change of the conversation, so a change seen twice is the same
 * change (kept once), one at or below the whole state is already in it, and one that comes
 * late (an own change's result after others' later events, a replay) is put in its place
 * and the state recomputed. Changes to a message the store does not hold wait for it (a
 * bounded buffer): a reaction to one's own message can come before the send's result.
 * A deleted message's seq is remembered per conversation, so a reply to it shows an empty
 * preview whenever it comes.
 */
export class MessageStore {
  private readonly convs = new Map<string, Map<number, Held>>();
  private readonly deleted = new Map<string, Set<number>>();
  /** `conv\nseq` of the buffers (changes without their message), oldest first. */
  private readonly buffered = new Set<string>();
  private readonly events = new Emitter<StoreEvents>();

  on(event: 'update', listener: Listener<StoreUpdate>): () => void {
    return this.events.on(event, listener);
  }

  /** The message's current state, if the store has it. */
  get(conv: string, seq: number): MessageView | undefined {
    return this.convs.get(conv)?.get(seq)?.current;
  }

  /** The messages of `conv` the store has, oldest first. */
  messages(conv: string): MessageView[] {
    const out: MessageView[] = [];
    for (const h of this.convs.get(conv)?.values() ?? []) if (h.current) out.push(h.current);
    return out.sort((a, b) => a.seq - b.seq);
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
    this.deleted.delete(conv);
    for (const key of this.buffered) if (key.startsWith(`${conv}\n`)) this.buffered.delete(key);
  }

  /**
   * Adds a message in a given state, or takes it as the message's newest whole state when
   * its `ver` is above the one held (the changes above it still apply). Returns whether
   * the message's current state changed.
   */
  put(message: MessageView): boolean {
    const held = this.held(message.conv, message.seq);
    const ver = message.ver ?? 0;
    if (held.base && (held.base.ver ?? 0) >= ver) return false;
    held.base = message;
    for (const v of held.log.keys()) if (v <= ver) held.log.delete(v);
    this.buffered.delete(key(message.conv, message.seq));
    return this.derive(held, true);
  }

  /** Applies one change event; returns the message's new state, or undefined when nothing changed. */
  apply(change: ChangeEvent): MessageView | undefined {
    if (change.ev === 'update') {
      const whole = { ...change.message, ver: change.ver };
      return this.put(whole) ? this.get(change.conv, change.seq) : undefined;
    }
    if (!Number.isSafeInteger(change.ver)) return undefined;
    const held = this.held(change.conv, change.seq);
    if ((held.base && change.ver <= (held.base.ver ?? 0)) || held.log.has(change.ver)) return undefined;
    held.log.set(change.ver, { change, at: new Date().toISOString() });
    if (!held.base) {
      this.buffer(change.conv, change.seq);
      return undefined;
    }
    if (held.log.size > MAX_LOG) this.fold(held);
    // In order (the usual case) one step; a late change means recomputing from the base.
    const inOrder = held.current !== undefined && change.ver > (held.current.ver ?? 0);
    return this.derive(held, !inOrder, change) ? held.current : undefined;
  }

  private held(conv: string, seq: number): Held {
    let msgs = this.convs.get(conv);
    if (!msgs) {
      msgs = new Map();
      this.convs.set(conv, msgs);
    }
    let h = msgs.get(seq);
    if (!h) {
      h = { log: new Map() };
      msgs.set(seq, h);
    }
    return h;
  }

  /**
   * Sets `current`: from the base and the whole log (`full`), or one step from `current`
   * (`step`, a change above everything applied). Emits `update` when it changed.
   */
  private derive(held: Held, full: boolean, step?: DeltaChange): boolean {
    const base = held.base as MessageView;
    let next: MessageView;
    if (!full && step && held.current) {
      next = nextState(held.current, held.log.get(step.ver) as LoggedChange);
    } else {
      next = base;
      for (const v of [...held.log.keys()].sort((a, b) => a - b)) {
        next = nextState(next, held.log.get(v) as LoggedChange);
      }
    }
    next = this.withPreview(next);
    if (held.current !== undefined && sameState(held.current, next)) return false;
    held.current = next;
    this.events.emit('update', { conv: next.conv, seq: next.seq, message: next });
    if (next.deleted) this.markDeleted(next.conv, next.seq);
    return true;
  }

  /** Folds the older half of a long log into the base: changes that late are not expected. */
  private fold(held: Held): void {
    const vers = [...held.log.keys()].sort((a, b) => a - b);
    let base = held.base as MessageView;
    for (const v of vers.slice(0, vers.length / 2)) {
      base = nextState(base, held.log.get(v) as LoggedChange);
      held.log.delete(v);
    }
    held.base = base;
  }

  /** A reply to a deleted message shows an empty preview (the server empties it, taking no ver). */
  private withPreview(m: MessageView): MessageView {
    if (!m.reply || m.reply.preview === '' || !this.deleted.get(m.conv)?.has(m.reply.seq)) return m;
    return { ...m, reply: { ...m.reply, preview: '' } };
  }

  private markDeleted(conv: string, seq: number): void {
    let set = this.deleted.get(conv);
    if (!set) {
      set = new Set();
      this.deleted.set(conv, set);
    }
    if (set.has(seq)) return;
    set.add(seq);
    for (const h of this.convs.get(conv)?.values() ?? []) {
      const m = h.current;
      if (m?.reply?.seq === seq && m.reply.preview !== '') {
        h.current = this.withPreview(m);
        this.events.emit('update', { conv, seq: m.seq, message: h.current });
      }
    }
  }

  /** Keeps changes of a message not held yet, the oldest buffers dropped past MAX_BUFFERED. */
  private buffer(conv: string, seq: number): void {
    const k = key(conv, seq);
    this.buffered.delete(k);
    this.buffered.add(k);
    while (this.buffered.size > MAX_BUFFERED) {
      const oldest = this.buffered.values().next().value as string;
      this.buffered.delete(oldest);
      const [c, s] = splitKey(oldest);
      const msgs = this.convs.get(c);
      if (!msgs?.get(s)?.base) msgs?.delete(s);
    }
  }
}

const key = (conv: string, seq: number) => `${conv}\n${seq}`;
function splitKey(k: string): [string, number] {
  const i = k.lastIndexOf('\n');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}

/** Two states of one message are the same (the objects are small and plain: JSON compares them). */
function sameState(a: MessageView, b: MessageView): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
