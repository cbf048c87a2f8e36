/** The outcome of one item of a batch. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Group commit: one batch is committed at a time; items submitted meanwhile queue up and go
 * together into the next batch (at most `maxBatch` each). So under load many appends share
 * one transaction, and when idle an item starts its own at once (after the current tick,
 * so items submitted together start together).
 *
 * `commit` answers every item of a batch (same order); if it throws, every item of the
 * batch rejects with that error. A submitter's promise settles only after its batch.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (v: O) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly commit: (items: I[]) => Promise<Settled<O>[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drainQueue());
      }
    });
  }

  /** Items waiting for a batch (not counting the batch in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let results: Settled<O>[];
      try {
        results = await this.commit(batch.map((b) => b.item));
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((b, i) => {
        const r = results[i] ?? {
          ok: false,
          error: new Error('group commit returned no result for an item'),
        };
        if (r.ok) b.resolve(r.value);
        else b.reject(r.error);
      });
    }
    this.running = false;
  }
}
