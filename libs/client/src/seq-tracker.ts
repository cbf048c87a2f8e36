/**
 * The highest `seq` the client has, per conversation. It decides which `message` events
 * are new (at-least-once delivery after a reconnect repeats some) and what `since` to
 * send in the next `hello`. It only advances; it knows only what the app was given (or
 * told it with `advance`) and what this client sent itself (`own`).
 *
 * Own sends: the server never echoes a message to the session that sent it, so the send
 * result is the only sign of it. A result right after the highest seq advances it at
 * once; one further on (others' messages in between have not arrived yet) is remembered,
 * and when the stream reaches it, it counts as had: skipped if a replay brings it back as
 * a `message`, stepped over when the messages before it arrive. Without this, a replay
 * after a reconnect would hand the app its own messages as if someone else sent them.
 */
export class SeqTracker {
  private readonly highest = new Map<string, number>();
  /** Seqs this client sent above the highest, per conversation, not yet reached. */
  private readonly ahead = new Map<string, Set<number>>();

  constructor(initial?: Record<string, number>) {
    if (initial) for (const [conv, seq] of Object.entries(initial)) this.advance(conv, seq);
  }

  /**
   * True (and records it) when `seq` is a message the app has not had: above the highest
   * delivered for `conv` and not one of this client's own sends.
   */
  accept(conv: string, seq: number): boolean {
    const last = this.highest.get(conv) ?? 0;
    if (seq <= last) return false;
    const mine = this.ahead.get(conv)?.has(seq) ?? false;
    this.raise(conv, seq);
    return !mine;
  }

  /** Records the seq of a message this client sent (a `send` result). */
  own(conv: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= 0) return;
    const last = this.highest.get(conv) ?? 0;
    if (seq <= last) return;
    if (seq === last + 1) {
      this.raise(conv, seq);
      return;
    }
    let set = this.ahead.get(conv);
    if (!set) {
      set = new Set();
      this.ahead.set(conv, set);
    }
    set.add(seq);
  }

  /** Raises the highest seq of `conv` to `seq` (never lowers it). */
  advance(conv: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0) return;
    if (seq > (this.highest.get(conv) ?? 0)) this.raise(conv, seq);
  }

  get(conv: string): number | undefined {
    return this.highest.get(conv);
  }

  /** The `since` map for `hello`. */
  since(): Record<string, number> {
    return Object.fromEntries(this.highest);
  }

  /** Sets the highest to `seq`, then steps over own sends right after it; drops own seqs now below. */
  private raise(conv: string, seq: number): void {
    let last = seq;
    const set = this.ahead.get(conv);
    if (set) {
      while (set.has(last + 1)) last += 1;
      for (const s of set) if (s <= last) set.delete(s);
      if (set.size === 0) this.ahead.delete(conv);
    }
    this.highest.set(conv, last);
  }
}
