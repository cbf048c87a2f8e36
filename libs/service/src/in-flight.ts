import { NatterError } from '@natter/protocol';

/** Called once per settled operation with its outcome: `ok`, or the error's code (`internal` for a non-NatterError). */
export type OutcomeCounter = (op: string, outcome: string) => void;

/** Tracks a service's running handlers so that `stop()` can wait for them to reply. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly onOutcome?: OutcomeCounter) {}

  /** Passes `p` through, holding stop() until it settles. */
  add<T>(op: string, p: Promise<T>): Promise<T> {
    this.pending.add(p);
    p.then(
      () => this.settle(p, op, 'ok'),
      (err: unknown) => this.settle(p, op, err instanceof NatterError ? err.code : 'internal'),
    );
    return p;
  }

  /** `fn` with every call added as `op`. */
  wrap<A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => this.add(op, fn(...args));
  }

  /** Resolves when nothing is in flight, including what started while waiting. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private settle(p: Promise<unknown>, op: string, outcome: string): void {
    this.pending.delete(p);
    this.onOutcome?.(op, outcome);
  }
}
