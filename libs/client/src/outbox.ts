import type { SendResult } from '@natter/protocol';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelay } from './backoff.ts';
import type { NatterClientError } from './errors.ts';
import type { OutboxEvent } from './events.ts';
import type { OpParams } from './ops.ts';
import type { Target } from './targets.ts';

/** One send waiting for its result. */
interface Entry {
  params: OpParams<'send'>;
  resolve(result: SendResult): void;
  reject(err: NatterClientError): void;
  attempts: number;
  inFlight: boolean;
  retryTimer?: ReturnType<typeof setTimeout>;
}

export interface OutboxDeps {
  /** One attempt on the live connection; rejects with NatterClientError (`disconnected` if there is none). */
  transmit(params: OpParams<'send'>): Promise<SendResult>;
  isOpen(): boolean;
  onChange(event: OutboxEvent): void;
  backoff: BackoffOptions;
}

/**
 * Errors after which the same `cid` is sent again. `unavailable` means nothing was
 * stored; after `timeout` or `disconnected` the message may have been stored, and the
 * retry with the same cid then returns that first result (PROTOCOL.md, `cid`).
 */
const RETRY_CODES: ReadonlySet<string> = new Set(['unavailable', 'rate_limited', 'timeout', 'disconnected']);

/**
 * Sends that have no result yet. Sends to one target go out one at a time, in the order
 * they were made: a later one waits until the earlier has its result or has failed for
 * good, so a retried message can never land after a newer one. A send that fails with a
 * retryable error keeps its place and is retried with the same `cid`: once connected
 * again (`disconnected`), or after `retryAfter` or a backoff delay (the rest).
 */
export class Outbox {
  private readonly queues = new Map<Target, Entry[]>();
  private count = 0;

  constructor(private readonly deps: OutboxDeps) {}

  /** Number of sends without a result. */
  get size(): number {
    return this.count;
  }

  add(params: OpParams<'send'>): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      const entry: Entry = { params, resolve, reject, attempts: 0, inFlight: false };
      let queue = this.queues.get(params.to);
      if (!queue) {
        queue = [];
        this.queues.set(params.to, queue);
      }
      queue.push(entry);
      this.count += 1;
      this.changed('queued', entry);
      this.pump(params.to);
    });
  }

  /** True while a send with this `cid` waits for its result. */
  has(cid: string): boolean {
    for (const queue of this.queues.values()) for (const e of queue) if (e.params.cid === cid) return true;
    return false;
  }

  /** The connection is open (again): start every queue that waits for it. */
  resume(): void {
    for (const to of this.queues.keys()) this.pump(to);
  }

  /** Fails every send (the client is closed): none will be tried again. */
  failAll(err: NatterClientError): void {
    const queues = [...this.queues.values()];
    this.queues.clear();
    for (const queue of queues) {
      for (const entry of queue) {
        if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer);
        this.count -= 1;
        this.changed('failed', entry, err);
        entry.reject(err);
      }
    }
  }

  private pump(to: Target): void {
    const queue = this.queues.get(to);
    const head = queue?.[0];
    if (!head || head.inFlight || head.retryTimer !== undefined || !this.deps.isOpen()) return;
    head.inFlight = true;
    head.attempts += 1;
    this.deps.transmit(head.params).then(
      (result) => this.settle(to, head, () => head.resolve(result), 'sent'),
      (err: NatterClientError) => {
        head.inFlight = false;
        if (this.queues.get(to)?.[0] !== head) return; // failed by failAll meanwhile
        if (!RETRY_CODES.has(err.code)) {
          this.settle(to, head, () => head.reject(err), 'failed', err);
          return;
        }
        this.changed('retrying', head, err);
        if (err.code === 'disconnected') {
          this.pump(to); // goes out as soon as the client is connected again
          return;
        }
        const delay = err.retryAfter ?? backoffDelay(head.attempts - 1, this.deps.backoff);
        head.retryTimer = setTimeout(() => {
          head.retryTimer = undefined;
          this.pump(to);
        }, delay);
      },
    );
  }

  private settle(
    to: Target,
    entry: Entry,
    finish: () => void,
    change: 'sent' | 'failed',
    err?: NatterClientError,
  ) {
    const queue = this.queues.get(to);
    if (queue?.[0] !== entry) return;
    queue.shift();
    if (queue.length === 0) this.queues.delete(to);
    this.count -= 1;
    this.changed(change, entry, err);
    finish();
    this.pump(to);
  }

  private changed(change: OutboxEvent['change'], entry: Entry, error?: NatterClientError): void {
    const event: OutboxEvent = { change, to: entry.params.to, cid: entry.params.cid, pending: this.count };
    if (error) event.error = error;
    this.deps.onChange(event);
  }
}
