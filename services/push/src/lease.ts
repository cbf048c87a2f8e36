import type pg from 'pg';

/** Namespace of the session advisory lock that makes one push instance the decider ("PS"). */
const LEASE_SPACE = 0x5053;

/**
 * The decider's lease: a session advisory lock on a connection held for the purpose, so a
 * SIGKILLed instance's lease ends with its connection and another instance takes over
 * from the stored state (push_state, push_pending). Several instances can run; one decides.
 */
export class Lease {
  private conn: pg.PoolClient | undefined;
  private lost = false;

  constructor(private readonly pool: pg.Pool) {}

  get held(): boolean {
    return this.conn !== undefined && !this.lost;
  }

  /** Tries once; true when this instance holds the lease now. */
  async acquire(): Promise<boolean> {
    if (this.held) return true;
    this.drop();
    const c = await this.pool.connect();
    let got = false;
    try {
      const { rows } = await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS got', [
        LEASE_SPACE,
      ]);
      got = rows[0]!.got;
    } finally {
      if (!got) c.release();
    }
    if (!got) return false;
    this.conn = c;
    this.lost = false;
    c.on('error', () => {
      this.lost = true;
    });
    return true;
  }

  /** Gives it up; a broken connection is destroyed (which ends the lock). */
  drop(broken = false): void {
    if (!this.conn) return;
    this.conn.release(broken || this.lost);
    this.conn = undefined;
  }

  async release(): Promise<void> {
    if (!this.conn) return;
    const c = this.conn;
    this.conn = undefined;
    try {
      if (!this.lost) await c.query('SELECT pg_advisory_unlock($1, 0)', [LEASE_SPACE]);
      c.release(this.lost);
    } catch (err) {
      c.release(err instanceof Error ? err : true);
    }
  }
}
