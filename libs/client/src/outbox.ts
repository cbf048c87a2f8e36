import type { BackoffOptions } from './backoff.ts';
import { backoffDelay } from './backoff.ts';
import type { NatterClientError } from './errors.ts';
import type { OutboxEvent } from './events.ts';
import type { OpParams } from './ops.ts';

/** The requests that go through the outbox: sends, and the changes of messages (1.1). */
export type QueuedOp = 'send' | 'edit' | 'delete' | 'react' | 'unreact' | 'pin' | 'unpin';

/**
 * One request for the outbox. `key` orders: jobs of one key go out one at a time, in the
 * order they were added (a send's target; a change's conversation). `id` names it in
 * `outbox` events: a send's `cid`, or one the SDK made for a change. Retrying it is safe:
 * a send by its cid, a change because the same change again changes nothing.
 */
export interface Job {
  op: QueuedOp;
  key: string;
  id: string;
  params: object;
}

/** One job waiting for its result. */
interface Entry {
  job: Job;
  resolve(result: unknown): void;
  reject(err: NatterClientError): void;
  attempts: number;
  inFlight: boolean;
  retryTimer?: ReturnType<typeof setTimeout>;
}

export interface OutboxDeps {
  /**
   * One attempt on the live connection (`attempt` counts from 1); rejects with
   * NatterClientError (`disconnected` if there is none).
   */
  transmit(job: Job, attempt: number): Promise<unknown>;
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
 * Sends and changes that have no result yet. Jobs of one key (a send's target, a change's
 * conversation) go out one at a time, in the order they were made: a later one waits until
 * the earlier has its result or has failed for good, so a retried message can never land
 * after a newer one, nor a retried `react` after the `unreact` that followed it. A job that
 * fails with a retryable error keeps its place and is retried as it was (a send with the
 * same `cid`): once connected again (`disconnected`), or after `retryAfter` or a backoff
 * delay (the rest). Each job's promise settles once.
 */
export class Outbox {
  private readonly queues = new Map<string, Entry[]>();
  private count = 0;

  constructor(private readonly deps: OutboxDeps) {}

  /** Number of jobs without a result. */
  get size(): number {
    return this.count;
  }

  /** Queues a send (keyed by its target, named by its cid). */
  send<R>(params: OpParams<'send'>): Promise<R> {
    return this.add<R>({ op: 'send', key: params.to, id: params.cid, params });
  }

  add<R>(job: Job): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Entry = {
        job,
        resolve: resolve as (r: unknown) => void,
        reject,
        attempts: 0,
        inFlight: false,
      };
      let queue = this.queues.get(job.key);
      if (!queue) {
        queue = [];
        this.queues.set(job.key, queue);
      }
      queue.push(entry);
      this.count += 1;
      this.changed('queued', entry);
      this.pump(job.key);
    });
  }

  /** True while a send with this `cid` waits for its result. */
  has(cid: string): boolean {
    for (const queue of this.queues.values()) {
      for (const e of queue) if (e.job.op === 'send' && e.job.id === cid) return true;
    }
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

  private pump(to: string): void {
    const queue = this.queues.get(to);
    const head = queue?.[0];
    if (!head || head.inFlight || head.retryTimer !== undefined || !this.deps.isOpen()) return;
    head.inFlight = true;
    head.attempts += 1;
    this.deps.transmit(head.job, head.attempts).then(
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
    to: string,
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
    const { op, key, id } = entry.job;
    const event: OutboxEvent = { change, op, to: key, cid: id, pending: this.count };
    if (error) event.error = error;
    this.deps.onChange(event);
  }
}
