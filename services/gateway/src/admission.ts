import { NatterError } from '@natter/protocol';

export interface AdmissionOptions {
  /** Requests running at once (NATTER_ADMISSION_IN_FLIGHT). */
  inFlight: number;
  /** Requests that may wait for a place (NATTER_ADMISSION_QUEUE). */
  queue: number;
  /** Longest wait for a place (NATTER_ADMISSION_WAIT_MS). */
  waitMs: number;
  /** Waiting work past which an upgrade is refused (NATTER_ADMISSION_UPGRADE_LIMIT). */
  upgradeLimit: number;
  /** Told of every decision, for metrics; `waitedMs` for a request that waited in line. */
  onOutcome?: (outcome: AdmissionOutcome, waitedMs?: number) => void;
}

/** `admitted` ran at once, `queued` ran after waiting, `shed` found the line full, `expired` waited too long. */
export type AdmissionOutcome = 'admitted' | 'queued' | 'shed' | 'expired';

/** The smallest `retryAfter` we answer, and the largest: past that a client should just try another gateway. */
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission control for the requests of one gateway that reach a backend. At most
 * `inFlight` run at once; the next `queue` wait in line (first come, first served) for at
 * most `waitMs`; anything beyond, or a wait that runs out, is answered `unavailable` with a
 * `retryAfter` that grows with the line, at once. So in a reconnect storm every `hello` is
 * either served or refused in seconds, and the services behind see a bounded number of
 * requests from each gateway instead of all of them timing out together.
 */
export class Admission {
  private running = 0;
  private readonly line: Waiter[] = [];
  private head = 0;
  /** Waiters that are hellos: their connections are already among those without a session. */
  private greetings = 0;

  constructor(private readonly opts: AdmissionOptions) {}

  /** Requests running now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a place. */
  get queued(): number {
    return this.line.length - this.head;
  }

  /**
   * Runs `fn` when a place is free; rejects with `unavailable` when none comes in time.
   * `greeting`: `fn` is a connection's `hello` (see refuseUpgrade).
   */
  async run<T>(fn: () => Promise<T>, greeting = false): Promise<T> {
    if (this.running < this.opts.inFlight && this.queued === 0) {
      this.running++;
      this.opts.onOutcome?.('admitted');
    } else {
      await this.wait(greeting); // resolves with the place already counted (next())
    }
    try {
      return await fn();
    } finally {
      this.running--;
      this.next();
    }
  }

  /**
   * Whether an upgrade should be refused, given the connections that have no session yet (each
   * will send a `hello`, or has and waits in line): the `Retry-After` in seconds when it
   * should, else undefined. The waiting work is those connections and the other requests in
   * line; a hello in line is its connection's, counted once.
   */
  refuseUpgrade(withoutSession: number): number | undefined {
    if (withoutSession + this.queued - this.greetings < this.opts.upgradeLimit) return undefined;
    this.opts.onOutcome?.('shed');
    return Math.ceil(this.retryAfterMs() / 1000);
  }

  /** How long a refused client should wait: about the time the line ahead of it takes to clear. */
  retryAfterMs(): number {
    const lines = (this.queued + this.running) / this.opts.inFlight;
    return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.round(lines * 250)));
  }

  private wait(greeting: boolean): Promise<void> {
    if (this.queued >= this.opts.queue) {
      this.opts.onOutcome?.('shed');
      return Promise.reject(this.refusal('the gateway is at capacity'));
    }
    const since = performance.now();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        start: () => {
          clearTimeout(w.timer);
          if (greeting) this.greetings--;
          this.opts.onOutcome?.('queued', performance.now() - since);
          resolve();
        },
        timer: setTimeout(() => {
          const i = this.line.indexOf(w, this.head);
          if (i >= 0) this.line.splice(i, 1);
          if (greeting) this.greetings--;
          this.opts.onOutcome?.('expired', performance.now() - since);
          reject(this.refusal(`no place within ${this.opts.waitMs} ms`));
        }, this.opts.waitMs),
      };
      this.line.push(w);
      if (greeting) this.greetings++;
    });
  }

  private next(): void {
    while (this.running < this.opts.inFlight && this.queued > 0) {
      const w = this.line[this.head++]!;
      // Compact now and then, so the array does not grow for ever under steady load.
      if (this.head > 1024 && this.head * 2 > this.line.length) {
        this.line.splice(0, this.head);
        this.head = 0;
      }
      // Counted here, not when the waiter resumes, so newcomers meanwhile cannot take it.
      this.running++;
      w.start();
    }
  }

  private refusal(why: string): NatterError {
    return new NatterError('unavailable', `busy: ${why}, try again`, this.retryAfterMs());
  }
}
