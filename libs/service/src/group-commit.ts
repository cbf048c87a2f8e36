/** The outcome of one item of a batch. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Most items in one batch. Default 200. */
  maxBatch?: number;
  /** Batches in flight at once (several service instances can work on them). Default 1. */
  concurrency?: number;
}

/**
 * Group commit: a few batches are in flight at a time; items submitted meanwhile queue up and
 * go together into the next batch (at most `maxBatch` each). So under load many items share
 * one transaction or one request, and when idle an item starts its own at once (after the
 * current turn of the event loop, so items that arrive in one turn, such as frames read from
 * many sockets in one poll, start together).
 *
 * `commit` answers every item of a batch (same order); if it throws, every item of the
 * batch rejects with that error. A submitter's promise settles only after its batch.
 * Used for message appends and membership writes (one Postgres transaction for many) and
 * for the gateway's hello lookups (one bus request for many users).
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (v: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    private readonly commit: (items: I[]) => Promise<Settled<O>[]>,
    opts: GroupCommitOptions | number = {},
  ) {
    const o = typeof opts === 'number' ? { maxBatch: opts } : opts;
    this.maxBatch = o.maxBatch ?? 200;
    this.concurrency = o.concurrency ?? 1;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && this.inFlight < this.concurrency) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.fill();
        });
      }
    });
  }

  /** Items waiting for a batch (not counting the batches in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Starts batches while there is work and room for one. */
  private fill(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      this.inFlight++;
      void this.runBatch(this.queue.splice(0, this.maxBatch));
    }
  }

  private async runBatch(batch: GroupCommit<I, O>['queue']): Promise<void> {
    let results: Settled<O>[];
    try {
      results = await this.commit(batch.map((b) => b.item));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((b, i) => {
      const r = results[i] ?? { ok: false, error: new Error('group commit returned no result for an item') };
      if (r.ok) b.resolve(r.value);
      else b.reject(r.error);
    });
    this.inFlight--;
    this.fill();
  }
}

/** Runs `fn` for each item alone (a batch that failed as a whole is retried this way, so a bad item fails alone). */
export async function oneByOne<I, O>(items: I[], fn: (item: I) => Promise<O>): Promise<Settled<O>[]> {
  const out: Settled<O>[] = [];
  for (const item of items) {
    try {
      out.push({ ok: true, value: await fn(item) });
    } catch (error) {
      out.push({ ok: false, error });
    }
  }
  return out;
}
