import { logEvents, type NewEvent } from '@natter/events';
import type { Logger } from '@natter/log';
import type pg from 'pg';
import type { PresenceStore, RecordedTransition } from './store.ts';

/** Transitions copied per Postgres transaction. */
const BATCH = 500;
/** How long copied entry ids are remembered: far longer than an entry can stay in Redis undropped. */
const REMEMBER_HOURS = 24 * 7;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Copies the store's recorded transitions into the event log as user.online / user.offline
 * (docs/design.md, "Presence in the event log"). Presence decides a transition in Redis (one
 * Lua script, which also appends it to the store's outbox stream), so a Postgres transaction
 * cannot hold both; instead:
 * 1. read the oldest recorded transitions from the store;
 * 2. in one Postgres transaction, insert their ids into natter_presence_logged (ON CONFLICT
 *    DO NOTHING) and log an event for each id that was new and changes what the log last
 *    said of its user (natter_presence_logged_state: the log alternates online/offline);
 * 3. drop them from the store.
 * A crash between 2 and 3 leaves them in the store; the next copy finds their ids already
 * logged and skips them. Two instances copying at once wait on each other's uncommitted ids
 * and each logs only what it inserted. So every recorded transition is logged once, none is
 * logged that the store did not decide, and a Postgres outage only delays them.
 */
export class TransitionLog {
  private running: Promise<void> | undefined;
  private again = false;
  private lastPrune = 0;
  private failing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: PresenceStore,
    private readonly log: Logger,
  ) {}

  /** Copies soon (a transition was just recorded); calls while a copy runs fold into one more. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.copyAll()
      .then(() => {
        if (this.failing) this.log.info('presence transitions are reaching the event log again');
        this.failing = false;
      })
      .catch((err) => {
        // Once per outage, not once per second: the timer retries meanwhile.
        if (!this.failing)
          this.log.warn({ err }, 'presence transitions not copied to the event log yet; retrying');
        this.failing = true;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no copy is running (for stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Copies until the store has nothing recorded; rejects on the first failure. */
  async copyAll(): Promise<void> {
    for (;;) {
      const batch = await this.store.recordedTransitions(BATCH);
      if (batch.length === 0) break;
      await this.copy(batch);
      await this.store.dropTransitions(batch.map((t) => t.id));
      if (batch.length < BATCH) break;
    }
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.pool.query(
        `DELETE FROM natter_presence_logged WHERE at < now() - make_interval(hours => $1)`,
        [REMEMBER_HOURS],
      );
    }
  }

  private async copy(batch: RecordedTransition[]): Promise<void> {
    const ids = batch.map((t) => t.id);
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const { rows } = await c.query<{ entry: string }>(
        `INSERT INTO natter_presence_logged (entry) SELECT unnest($1::text[])
         ON CONFLICT DO NOTHING RETURNING entry`,
        [ids],
      );
      const fresh = new Set(rows.map((r) => r.entry));
      const todo = batch.filter((t) => fresh.has(t.id));
      // What the log last said of each user (locked: a concurrent copier waits here).
      const users = [...new Set(todo.map((t) => t.user))];
      const known = await c.query<{ user: string; online: boolean }>(
        `SELECT "user", online FROM natter_presence_logged_state WHERE "user" = ANY($1::text[]) FOR UPDATE`,
        [users],
      );
      const state = new Map(known.rows.map((r) => [r.user, r.online]));
      const events: NewEvent[] = [];
      for (const t of todo) {
        // Only a change of what the log says: an "online" for a user it already has online
        // (sessions re-announced after Redis lost its data) is not a transition.
        if ((state.get(t.user) ?? false) === t.online) continue;
        state.set(t.user, t.online);
        events.push({ type: t.online ? 'user.online' : 'user.offline', data: { user: t.user } });
      }
      await logEvents(c, events);
      if (users.length) {
        await c.query(
          `INSERT INTO natter_presence_logged_state ("user", online)
           SELECT * FROM unnest($1::text[], $2::bool[])
           ON CONFLICT ("user") DO UPDATE SET online = excluded.online`,
          [users, users.map((u) => state.get(u) ?? false)],
        );
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      c.release(broken);
    }
  }
}
