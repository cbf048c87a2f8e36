/** Tracks running handlers so that `stop()` can wait for them. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => {
      const p = fn(...args);
      this.pending.add(p);
      const forget = () => {
        this.pending.delete(p);
      };
      p.then(forget, forget);
      return p;
    };
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
