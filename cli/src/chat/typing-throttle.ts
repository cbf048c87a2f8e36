/**
 * When to tell the others that you are typing: at most once every `intervalMs` per target,
 * so a fast typist sends a handful of notifications, not one per key.
 */
export class TypingThrottle {
  private last: { target: string; at: number } | undefined;

  constructor(
    private readonly intervalMs = 3000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a notification for `target` is due now; it is then counted as sent. */
  due(target: string): boolean {
    const t = this.now();
    if (this.last && this.last.target === target && t - this.last.at < this.intervalMs) return false;
    this.last = { target, at: t };
    return true;
  }

  /** After a message is sent, the next keystroke is new typing and notifies at once. */
  reset(): void {
    this.last = undefined;
  }
}
