import type { Since } from '@natter/protocol';

/**
 * The highest value of one per-conversation counter the client has (`seq` or `ver`),
 * plus the values of this client's own changes above it. Own changes: the server never
 * echoes a message or a change to the session that made it, so its result is the only
 * sign of it. A result right after the highest advances it at once; one further on
 * (others' changes in between have not arrived yet) is remembered, and when the stream
 * reaches it, it counts as had: skipped if a replay brings it back, stepped over when the
 * values before it arrive. Without this, a replay after a reconnect would hand the app its
 * own messages as if someone else sent them, and a resume would skip others' changes.
 */
class CounterMark {
  private readonly highest = new Map<string, number>();
  /** Own values above the highest, per conversation, not yet reached. */
  private readonly ahead = new Map<string, Set<number>>();

  /** True (and records it) when `n` is above the highest of `conv` and not one of this client's own. */
  accept(conv: string, n: number): boolean {
    const last = this.highest.get(conv) ?? 0;
    if (n <= last) return false;
    const mine = this.ahead.get(conv)?.has(n) ?? false;
    this.raise(conv, n);
    return !mine;
  }

  own(conv: string, n: number): void {
    if (!Number.isSafeInteger(n) || n <= 0) return;
    const last = this.highest.get(conv) ?? 0;
    if (n <= last) return;
    if (n === last + 1) {
      this.raise(conv, n);
      return;
    }
    let set = this.ahead.get(conv);
    if (!set) {
      set = new Set();
      this.ahead.set(conv, set);
    }
    set.add(n);
  }

  advance(conv: string, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return;
    if (n > (this.highest.get(conv) ?? 0)) this.raise(conv, n);
  }

  get(conv: string): number | undefined {
    return this.highest.get(conv);
  }

  entries(): IterableIterator<[string, number]> {
    return this.highest.entries();
  }

  /** Sets the highest to `n`, then steps over own values right after it; drops own values now below. */
  private raise(conv: string, n: number): void {
    let last = n;
    const set = this.ahead.get(conv);
    if (set) {
      while (set.has(last + 1)) last += 1;
      for (const s of set) if (s <= last) set.delete(s);
      if (set.size === 0) this.ahead.delete(conv);
    }
    this.highest.set(conv, last);
  }
}

/**
 * Where the client stands in each conversation: the highest `seq` it has (which decides
 * which `message` events are new, since delivery after a reconnect repeats some) and the
 * highest `ver` it has applied (which decides which changes are new, protocol 1.1). Both
 * go into the next `hello`'s `since`: `{seq, ver}` once a `ver` is known, so the server
 * replays the edits, deletes, reactions and pins made while away, else the plain `seq`.
 * It only advances; it knows only what the app was given (or told it with `advance`) and
 * what this client did itself (`own`).
 */
export class SeqTracker {
  private readonly seqs = new CounterMark();
  private readonly vers = new CounterMark();

  constructor(initial?: Record<string, Since>) {
    if (!initial) return;
    for (const [conv, at] of Object.entries(initial)) {
      if (typeof at === 'number') this.advance(conv, at);
      else if (at && typeof at === 'object') this.advance(conv, at.seq, at.ver);
    }
  }

  /**
   * True (and records it) when `seq` is a message the app has not had: above the highest
   * delivered for `conv` and not one of this client's own sends. A message's `ver` (its
   * latest state) counts as applied either way.
   */
  accept(conv: string, seq: number, ver?: number): boolean {
    if (ver !== undefined) this.vers.accept(conv, ver);
    return this.seqs.accept(conv, seq);
  }

  /** True (and records it) when a change at `ver` is news: above the highest applied, not this client's own. */
  acceptChange(conv: string, ver: number): boolean {
    if (!Number.isSafeInteger(ver)) return false;
    return this.vers.accept(conv, ver);
  }

  /** Records the seq (and `ver`) of a message this client sent (a `send` result). */
  own(conv: string, seq: number, ver?: number): void {
    this.seqs.own(conv, seq);
    if (ver !== undefined) this.vers.own(conv, ver);
  }

  /** Records the `ver` of a change this client made (an edit, delete, react or pin result). */
  ownChange(conv: string, ver: number): void {
    this.vers.own(conv, ver);
  }

  /** Raises the highest seq (and ver) of `conv` (never lowers them). */
  advance(conv: string, seq: number, ver?: number): void {
    this.seqs.advance(conv, seq);
    if (ver !== undefined) this.vers.advance(conv, ver);
  }

  get(conv: string): number | undefined {
    return this.seqs.get(conv);
  }

  /** The highest `ver` applied for `conv` (undefined before any 1.1 event or result). */
  getVer(conv: string): number | undefined {
    return this.vers.get(conv);
  }

  /** The `since` map for `hello`: `{seq, ver}` where a ver is known, else the seq. */
  since(): Record<string, Since> {
    const out: Record<string, Since> = {};
    for (const [conv, seq] of this.seqs.entries()) {
      const ver = this.vers.get(conv);
      out[conv] = ver === undefined ? seq : { seq, ver };
    }
    return out;
  }
}
