/** What the expiry timer needs of a session: when its token stops being valid, and whether it is gone. */
export interface Expiring {
  /** Seconds since the epoch; undefined for a token without `exp`. */
  tokenExp: number | undefined;
  state: string;
}

// setTimeout's longest delay; a later expiry is reached in steps of this.
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Bucket<S> {
  sessions: Set<S>;
  timer: NodeJS.Timeout;
}

/**
 * Ends sessions when their tokens expire, at `exp` rather than at the next heartbeat sweep.
 * Sessions wait in one bucket per expiry second with one timer each, not a timer per
 * session: tokens issued in the same second share one, which keeps an idle connection cheap.
 * A `refresh` only moves `tokenExp`: the bucket reads it when it fires and files the session
 * again when it has moved, so refresh needs no hook.
 */
export class TokenExpiry<S extends Expiring> {
  private readonly waitingIn = new Map<S, number>();
  private readonly buckets = new Map<number, Bucket<S>>();

  constructor(private readonly onExpired: (s: S) => void) {}

  watch(s: S): void {
    this.forget(s);
    if (s.tokenExp === undefined || s.state === 'closed') return;
    const sec = s.tokenExp;
    let bucket = this.buckets.get(sec);
    if (!bucket) {
      const delay = Math.min(MAX_DELAY_MS, Math.max(0, sec * 1000 - Date.now()));
      const timer = setTimeout(() => this.fire(sec), delay);
      timer.unref();
      bucket = { sessions: new Set(), timer };
      this.buckets.set(sec, bucket);
    }
    bucket.sessions.add(s);
    this.waitingIn.set(s, sec);
  }

  forget(s: S): void {
    const sec = this.waitingIn.get(s);
    if (sec === undefined) return;
    this.waitingIn.delete(s);
    const bucket = this.buckets.get(sec);
    if (!bucket) return;
    bucket.sessions.delete(s);
    if (bucket.sessions.size === 0) {
      clearTimeout(bucket.timer);
      this.buckets.delete(sec);
    }
  }

  stop(): void {
    for (const b of this.buckets.values()) clearTimeout(b.timer);
    this.buckets.clear();
    this.waitingIn.clear();
  }

  private fire(sec: number): void {
    const bucket = this.buckets.get(sec);
    if (!bucket) return;
    this.buckets.delete(sec);
    const now = Date.now();
    for (const s of bucket.sessions) {
      this.waitingIn.delete(s);
      // A refresh may have moved the expiry, or dropped it (a token without `exp`).
      if (s.state === 'closed' || s.tokenExp === undefined) continue;
      if (s.tokenExp * 1000 > now) this.watch(s);
      else this.onExpired(s);
    }
  }
}
