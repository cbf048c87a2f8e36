import { type LoggedEvent, latestCursor, parseCursor, readEvents } from '@natter/events';
import type { Logger } from '@natter/log';
import type pg from 'pg';
import { giveUpAfterMs, retryDelayMs } from './backoff.ts';
import { type HooksMetrics, receiverLabel } from './metrics.ts';
import { Poster } from './poster.ts';
import type { Signer } from './signing.ts';

/**
 * Namespace of the session advisory locks that lease one URL to one hooks instance (the
 * two-int form; node-pg-migrate and rooms use other keys).
 */
const LEASE_SPACE = 0x484b; // "HK"
/** Events read per query: one log read and one cursor write per page at most. */
const PAGE = 500;
/**
 * How often, within a page, the cursor of what was acknowledged is written (without waiting
 * for the write): what a SIGKILL can make a receiver see twice is at most this long's worth.
 */
const COMMIT_MS = 100;
/** How often an instance without the lease asks for it again. */
const LEASE_RETRY_MS = 1000;

export interface ReceiverOptions {
  url: string;
  pool: pg.Pool;
  signer: Signer;
  /** Types to deliver; undefined: all. */
  types: ReadonlySet<string> | undefined;
  timeoutMs: number;
  backoffMs: number;
  pollMs: number;
  log: Logger;
  metrics: HooksMetrics;
}

interface State {
  after: string | null;
  attempts: number;
  next_at: Date | null;
  failing_since: Date | null;
}

/**
 * Delivers the event log to one URL, in log order, one request at a time over one kept-alive
 * connection (poster.ts).
 *
 * Lease: the instance holding a session advisory lock on the URL is its only deliverer; the
 * lock lives on a connection held for the purpose and ends with it, so a SIGKILLed
 * instance's URLs pass to another within LEASE_RETRY_MS of Postgres noticing. A session
 * lock, not SELECT ... FOR UPDATE in a transaction: an open transaction would hold back
 * every reader of the log (it reads only below the oldest running transaction) for as long
 * as a slow receiver takes to answer.
 *
 * State (natter_hook_state): the cursor is written every COMMIT_MS while a page is being
 * delivered (not waited for: the next request goes out meanwhile) and at the page's end, not
 * after every event (a write per event capped a URL at a few dozen events/s). A crash
 * repeats what was acknowledged since the last write: at least once, receivers dedupe by
 * `webhook-id`. A failure first writes the cursor of what went before it, with the retry.
 */
export class Receiver {
  private lease: pg.PoolClient | undefined;
  private lost = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly label: string;
  private readonly poster: Poster;
  /** The cursor writes started and not yet done, in order (each waits for the one before). */
  private committing: Promise<void> = Promise.resolve();
  private commitError: unknown;

  constructor(private readonly o: ReceiverOptions) {
    this.label = receiverLabel(o.url);
    this.poster = new Poster(o.url, o.timeoutMs);
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  /** True while this instance holds the URL's lease. */
  get leased(): boolean {
    return this.lease !== undefined && !this.lost;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.leased) {
          this.dropLease();
          if (!(await this.acquire())) {
            await this.sleep(LEASE_RETRY_MS);
            continue;
          }
        }
        const busy = await this.step();
        if (!busy) await this.sleep(this.o.pollMs);
      } catch (err) {
        // The database went away (or a bug): give up the lease, so another instance (or
        // this one, later) starts again from the stored state.
        this.o.log.warn({ err, receiver: this.label }, 'webhook delivery interrupted; retrying');
        this.dropLease(true);
        await this.sleep(LEASE_RETRY_MS);
      }
    }
    await this.committing;
    this.poster.close();
    await this.releaseLease();
  }

  private async acquire(): Promise<boolean> {
    const c = await this.o.pool.connect();
    let got = false;
    try {
      const { rows } = await c.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS got',
        [LEASE_SPACE, this.o.url],
      );
      got = rows[0]!.got;
    } finally {
      if (!got) c.release();
    }
    if (!got) return false;
    this.lease = c;
    this.lost = false;
    c.on('error', () => {
      this.lost = true;
    });
    // A URL seen for the first time starts after the newest event: it gets what happens from
    // now on (GET /v1/events has the past).
    await this.o.pool.query(
      'INSERT INTO natter_hook_state (url, after) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING',
      [this.o.url, (await latestCursor(this.o.pool)) ?? null],
    );
    this.o.log.info({ receiver: this.label }, 'webhook receiver leased');
    return true;
  }

  /** One page: returns false when there was nothing to do. */
  private async step(): Promise<boolean> {
    const { rows } = await this.o.pool.query<State>(
      'SELECT after, attempts, next_at, failing_since FROM natter_hook_state WHERE url = $1',
      [this.o.url],
    );
    const st = rows[0]!;
    const wait = st.next_at ? st.next_at.getTime() - Date.now() : 0;
    if (wait > 0) {
      await this.sleep(Math.min(wait, this.o.pollMs * 4));
      return true;
    }
    const page = await readEvents(this.o.pool, st.after ?? undefined, PAGE);
    if (page.length === 0) return false;
    let attempts = st.attempts;
    let failingSince = st.failing_since;
    // The newest cursor acknowledged (or filtered out) in this page, and when it was written.
    let acked: string | undefined;
    let committedAt = Date.now();
    for (const ev of page) {
      if (this.stopped || !this.leased) break;
      if (this.commitError) await this.flush(undefined); // throws it
      if (this.o.types && !this.o.types.has(ev.type)) {
        acked = ev.cursor;
        continue;
      }
      const failure = await this.post(ev);
      if (failure === undefined) {
        this.o.metrics.attempts.inc({ receiver: this.label, outcome: 'delivered' });
        acked = ev.cursor;
        attempts = 0;
        failingSince = null;
        if (Date.now() - committedAt >= COMMIT_MS) {
          this.commitLater(acked);
          committedAt = Date.now();
        }
        continue;
      }
      if (failure === 'stopped') break; // shutting down: not the receiver's failure
      this.o.metrics.attempts.inc({ receiver: this.label, outcome: 'failed' });
      this.o.metrics.failures.inc({ receiver: this.label, reason: failure });
      await this.flush(undefined);
      attempts += 1;
      failingSince ??= new Date();
      if (Date.now() - failingSince.getTime() >= giveUpAfterMs(this.o.backoffMs)) {
        this.o.log.warn(
          { receiver: this.label, id: ev.id, attempts },
          'webhook event given up after retries',
        );
        this.o.metrics.givenUp.inc({ receiver: this.label });
        await this.flush(ev.cursor);
        return true;
      }
      this.o.log.debug({ receiver: this.label, id: ev.id, attempts, failure }, 'webhook attempt failed');
      // The cursor of what went before, with the retry of this one, in one write.
      await this.o.pool.query(
        `UPDATE natter_hook_state SET after = COALESCE($5, after), attempts = $2,
                  next_at = now() + make_interval(secs => $3), failing_since = $4, updated_at = now()
            WHERE url = $1`,
        [this.o.url, attempts, retryDelayMs(attempts, this.o.backoffMs) / 1000, failingSince, acked ?? null],
      );
      return true;
    }
    await this.flush(acked);
    return true;
  }

  /** Writes `cursor` (when given) after the writes already started, and waits for them all. */
  private async flush(cursor: string | undefined): Promise<void> {
    if (cursor) this.commitLater(cursor);
    await this.committing;
    const err = this.commitError;
    this.commitError = undefined;
    if (err) throw err;
  }

  /** Starts writing `cursor` after the writes already started; a failure surfaces in step(). */
  private commitLater(cursor: string): void {
    this.committing = this.committing
      .then(() => this.advance(cursor))
      .catch((err: unknown) => {
        this.commitError ??= err;
      });
  }

  /**
   * Moves the stored cursor forward to `cursor`, never back: a write of this instance that
   * lands after it lost the lease (it is not waited for) must not undo a new owner's progress.
   */
  private async advance(cursor: string): Promise<void> {
    const to = parseCursor(cursor);
    await this.o.pool.query(
      `UPDATE natter_hook_state SET after = $2, attempts = 0, next_at = NULL, failing_since = NULL,
              updated_at = now()
        WHERE url = $1 AND (after IS NULL OR
              (split_part(after, '-', 1)::xid8, split_part(after, '-', 2)::bigint) < ($3::xid8, $4::bigint))`,
      [this.o.url, cursor, to.xid, to.id],
    );
  }

  /** POSTs one event; undefined when acknowledged (2xx), else why not. */
  private post(ev: LoggedEvent): Promise<string | undefined> {
    const body = JSON.stringify(ev);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'natter-hooks',
      ...this.o.signer.headers(ev.id, body),
    };
    return this.poster.post(headers, body, this.abort.signal);
  }

  private dropLease(broken = false): void {
    if (!this.lease) return;
    // A destroyed connection ends the session, and with it the lock.
    this.lease.release(broken || this.lost);
    this.lease = undefined;
  }

  private async releaseLease(): Promise<void> {
    if (!this.lease) return;
    const c = this.lease;
    this.lease = undefined;
    try {
      if (!this.lost) await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_SPACE, this.o.url]);
      c.release(this.lost);
    } catch (err) {
      c.release(err instanceof Error ? err : true);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
