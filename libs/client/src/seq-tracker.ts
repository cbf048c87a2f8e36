/**
 * The highest `seq` the client has delivered, per conversation. It decides which
 * `message` events are new (at-least-once delivery after a reconnect repeats some) and
 * what `since` to send in the next `hello`. It only advances; it knows only what the app
 * was given (or told it with `advance`).
 */
export class SeqTracker {
  private readonly highest = new Map<string, number>();

  constructor(initial?: Record<string, number>) {
    if (initial) for (const [conv, seq] of Object.entries(initial)) this.advance(conv, seq);
  }

  /** True (and records it) when `seq` is above the highest delivered for `conv`. */
  accept(conv: string, seq: number): boolean {
    const last = this.highest.get(conv) ?? 0;
    if (seq <= last) return false;
    this.highest.set(conv, seq);
    return true;
  }

  /** Raises the highest seq of `conv` to `seq` (never lowers it). */
  advance(conv: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0) return;
    if (seq > (this.highest.get(conv) ?? 0)) this.highest.set(conv, seq);
  }

  get(conv: string): number | undefined {
    return this.highest.get(conv);
  }

  /** The `since` map for `hello`. */
  since(): Record<string, number> {
    return Object.fromEntries(this.highest);
  }
}
