import type { BusHandler, BusMsg } from './types.ts';

/**
 * Calls handlers without awaiting them (the bus contract) while remembering the promises
 * still running, so `drain` can wait for them. Errors are swallowed: the contract says a
 * failing handler neither stops its subscription nor makes the bus log.
 */
export class HandlerTracker {
  private readonly running = new Set<Promise<void>>();

  run(handler: BusHandler, msg: BusMsg): void {
    let result: void | Promise<void>;
    try {
      result = handler(msg);
    } catch {
      return;
    }
    if (result && typeof result.then === 'function') {
      const p: Promise<void> = Promise.resolve(result).then(
        () => {
          this.running.delete(p);
        },
        () => {
          this.running.delete(p);
        },
      );
      this.running.add(p);
    }
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once no handler is running, including ones started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
