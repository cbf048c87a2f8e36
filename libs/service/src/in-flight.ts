import { NatterError } from '@natter/protocol';
import { UNAVAILABLE_RETRY_AFTER_MS } from './backend-error.ts';

/** Called once per settled operation with its outcome: `ok`, or the error's code (`internal` for a non-NatterError). */
export type OutcomeCounter = (op: string, outcome: string) => void;

export interface InFlightOptions {
  /**
   * Most handlers running at once (NATTER_SERVICE_MAX_IN_FLIGHT). Past it a request is
   * answered `unavailable` with `retryAfter` at once, without running, and counted `shed`:
   * a service that takes on everything in a storm answers nothing in time.
   */
  max?: number;
}

/** Tracks a service's running handlers so that `stop()` can wait for them to reply, and sheds what is past its bound. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly max: number;
  private shedAt = 0;

  constructor(
    private readonly onOutcome?: OutcomeCounter,
    opts: InFlightOptions = {},
  ) {
    this.max = opts.max ?? Number.POSITIVE_INFINITY;
  }

  /** Handlers running now. */
  get size(): number {
    return this.pending.size;
  }

  /** True while at the bound, and for a second after the last request shed (for `/readyz`). */
  get overloaded(): boolean {
    return this.pending.size >= this.max || Date.now() - this.shedAt < 1000;
  }

  /** Passes `p` through, holding stop() until it settles. */
  add<T>(op: string, p: Promise<T>): Promise<T> {
    this.pending.add(p);
    p.then(
      () => this.settle(p, op, 'ok'),
      (err: unknown) => this.settle(p, op, err instanceof NatterError ? err.code : 'internal'),
    );
    return p;
  }

  /** `fn` with every call added as `op`, or refused `unavailable` when `max` are running. */
  wrap<A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => {
      if (this.pending.size >= this.max) {
        this.shedAt = Date.now();
        this.onOutcome?.(op, 'shed');
        return Promise.reject(
          new NatterError(
            'unavailable',
            `${op}: the service is overloaded (${this.max} requests in flight), try again`,
            UNAVAILABLE_RETRY_AFTER_MS,
          ),
        );
      }
      return this.add(op, fn(...args));
    };
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
