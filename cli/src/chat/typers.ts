/**
 * Who is typing in the current conversation. Each shows until `showMs` after their last
 * notification; `onExpire` runs when one times out, so the prompt can be redrawn.
 */
export class Typers {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly showMs: number,
    private readonly onExpire: () => void,
  ) {}

  has(user: string): boolean {
    return this.timers.has(user);
  }

  /** `user` is typing (again): shown for another `showMs`. */
  start(user: string): void {
    const old = this.timers.get(user);
    if (old) clearTimeout(old);
    this.timers.set(
      user,
      setTimeout(() => {
        this.stop(user);
        this.onExpire();
      }, this.showMs),
    );
  }

  /** `user` is no longer shown (their message arrived). */
  stop(user: string): void {
    const timer = this.timers.get(user);
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(user);
  }

  /** No one is shown (the user switched conversations). */
  stopAll(): void {
    for (const user of [...this.timers.keys()]) this.stop(user);
  }

  names(): string[] {
    return [...this.timers.keys()];
  }

  /** Stops the timers and nothing more (the chat is ending). */
  cancel(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
