import { NatterError } from '@natter/protocol';
import { TokenBucket, WindowCounter } from './token-bucket.ts';

export interface RateLimitOptions {
  requestsPerSec: number;
  requestsBurst: number;
  sendsPerSec: number;
  sendsBurst: number;
  typingPerSec: number;
  typingBurst: number;
  /** Rejections within `abuseWindowMs` that make a connection abusive (close 4008). */
  abuseRejections: number;
  abuseWindowMs: number;
}

/** What to do with a frame: handle it, answer `rate_limited`, drop it silently, or close. */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'limited'; error: NatterError; bucket: Bucket }
  | { kind: 'drop'; bucket: Bucket }
  | { kind: 'abusive'; bucket: Bucket };

export type Bucket = 'requests' | 'send' | 'typing';

/** Only `requests` exists from the first frame; the rest on first need (memory per idle connection). */
interface ConnectionState {
  requests: TokenBucket;
  send?: TokenBucket;
  typing?: TokenBucket;
  rejections?: WindowCounter;
}

/**
 * Per-connection rate limits. Every frame takes a token from `requests`; `send` and
 * `typing` also take one from their own bucket. The state lives in a WeakMap keyed by the
 * connection object, so nothing has to be removed when a connection goes away.
 *
 * A `typing` without an `id` past its own bucket is dropped without an answer (it is a
 * hint, and a client that sends it without id does not expect one) and is not counted as
 * abuse; every other rejection is answered and counted, and the rejection that makes
 * `abuseRejections` within `abuseWindowMs` returns `abusive`.
 */
export class RateLimiter {
  private readonly state = new WeakMap<object, ConnectionState>();

  constructor(private readonly opts: RateLimitOptions) {}

  check(conn: object, op: string, hasId: boolean, now = Date.now()): Verdict {
    const st = this.stateOf(conn, now);
    let wait = st.requests.take(now);
    let bucket: Bucket = 'requests';
    if (wait === 0 && (op === 'send' || op === 'typing')) {
      bucket = op;
      wait = this.bucketOf(st, op, now).take(now);
      if (wait > 0 && op === 'typing' && !hasId) return { kind: 'drop', bucket };
    }
    if (wait === 0) return { kind: 'ok' };
    st.rejections ??= new WindowCounter(this.opts.abuseRejections, this.opts.abuseWindowMs);
    if (st.rejections.hit(now)) return { kind: 'abusive', bucket };
    const what = bucket === 'requests' ? 'requests' : `${bucket} requests`;
    return {
      kind: 'limited',
      bucket,
      error: new NatterError(
        'rate_limited',
        `too many ${what} on this connection; retry after ${wait} ms`,
        wait,
      ),
    };
  }

  private stateOf(conn: object, now: number): ConnectionState {
    let st = this.state.get(conn);
    if (!st) {
      st = { requests: new TokenBucket(this.opts.requestsPerSec, this.opts.requestsBurst, now) };
      this.state.set(conn, st);
    }
    return st;
  }

  /** A bucket starts full when first needed, as it would have refilled since the connection opened. */
  private bucketOf(st: ConnectionState, op: 'send' | 'typing', now: number): TokenBucket {
    const o = this.opts;
    if (op === 'send') {
      st.send ??= new TokenBucket(o.sendsPerSec, o.sendsBurst, now);
      return st.send;
    }
    st.typing ??= new TokenBucket(o.typingPerSec, o.typingBurst, now);
    return st.typing;
  }
}
