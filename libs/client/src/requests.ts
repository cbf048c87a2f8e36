import { NatterClientError } from './errors.ts';

interface Pending {
  op: string;
  resolve(result: unknown): void;
  reject(err: NatterClientError): void;
  timer: ReturnType<typeof setTimeout>;
  /** The connection the request went out on; undefined while it waits for one. */
  sentOn?: object;
}

/**
 * Requests awaiting their reply, by id. Ids are increasing integers for the life of the
 * client (never reused across connections, so a late reply on an old connection can
 * never settle a new request). Each request fails with `timeout` if no reply comes within
 * its timeout, counted from `open`, so time spent waiting for a connection counts too.
 */
export class RequestTracker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Registers a request; the caller transmits it (now or once connected) with `id`. */
  open<T>(op: string, timeoutMs: number): { id: number; promise: Promise<T> } {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NatterClientError('timeout', `${op}: no reply within ${timeoutMs} ms`, { op }));
      }, timeoutMs);
      this.pending.set(id, { op, resolve: resolve as (r: unknown) => void, reject, timer });
    });
    return { id, promise };
  }

  /** True while request `id` still awaits its reply (it has not timed out or failed). */
  has(id: number): boolean {
    return this.pending.has(id);
  }

  /** Notes that request `id` went out on `conn`, so that losing `conn` fails it. */
  markSent(id: number, conn: object): void {
    const p = this.pending.get(id);
    if (p) p.sentOn = conn;
  }

  /** Settles request `re` with a server reply; false if nothing awaited it. */
  settle(re: unknown, reply: { result?: unknown; error?: unknown }): boolean {
    if (typeof re !== 'number') return false;
    const p = this.pending.get(re);
    if (!p) return false;
    this.pending.delete(re);
    clearTimeout(p.timer);
    if (reply.error !== undefined) p.reject(NatterClientError.fromBody(reply.error, p.op));
    else p.resolve(reply.result ?? {});
    return true;
  }

  /** Fails request `id` (if pending) with `err`. */
  fail(id: number, err: NatterClientError): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Fails every request that went out on `conn`: its reply can no longer arrive. */
  failSentOn(conn: object, makeError: (op: string) => NatterClientError): void {
    for (const [id, p] of this.pending) if (p.sentOn === conn) this.fail(id, makeError(p.op));
  }

  /** Fails every pending request. */
  failAll(makeError: (op: string) => NatterClientError): void {
    for (const [id, p] of this.pending) this.fail(id, makeError(p.op));
  }

  get size(): number {
    return this.pending.size;
  }
}
