/** What the expiry timer needs of a session: when its token stops being valid, and whether it is gone. */
export interface Expiring {
  /** Seconds since the epoch; undefined for a token without `exp`. */
  tokenExp: number | undefined;
  state: string;
}

// setTimeout's longest delay; a later expiry is reached in steps of this.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer per session that fires when its token expires, so a session ends at `exp`
 * rather than at the next heartbeat sweep. A `refresh` only moves `tokenExp`: the timer
 * reads it when it fires and sleeps again when it has moved, so refresh needs no hook.
 */
export class TokenExpiry<S extends Expiring> {
  private readonly timers = new Map<S, NodeJS.Timeout>();

  constructor(private readonly onExpired: (s: S) => void) {}

  watch(s: S): void {
    this.forget(s);
    if (s.tokenExp === undefined || s.state === 'closed') return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, s.tokenExp * 1000 - Date.now()));
    const timer = setTimeout(() => {
      this.timers.delete(s);
      // A refresh may have moved the expiry, or dropped it (a token without `exp`).
      if (s.state === 'closed' || s.tokenExp === undefined) return;
      if (s.tokenExp * 1000 > Date.now()) this.watch(s);
      else this.onExpired(s);
    }, delay);
    timer.unref();
    this.timers.set(s, timer);
  }

  forget(s: S): void {
    const t = this.timers.get(s);
    if (t) clearTimeout(t);
    this.timers.delete(s);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
