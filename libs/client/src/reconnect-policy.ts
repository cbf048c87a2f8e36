import { CloseCode } from '@natter/protocol';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelay } from './backoff.ts';
import { NatterClientError } from './errors.ts';
import type { ByeEvent } from './events.ts';

/** What ended a connection, as far as the reconnect decision cares. */
export interface CloseFacts {
  code: number;
  /** The `bye` the server sent on this connection, if any. */
  bye?: ByeEvent;
  /** How long the session was open (after hello); undefined if it never got that far. */
  openForMs?: number;
  /** True when a new connection can bring a different credential: a token hook, or open mode. */
  canRenewToken: boolean;
  /** True when the client itself closed to retry `hello` once with a fresh token. */
  authRetry: boolean;
  /** The `retryAfter` of the error that failed this connection's `hello` (`unavailable` when busy). */
  retryAfterMs?: number;
}

export type ReconnectDecision =
  | { reconnect: true; delayMs: number }
  | { reconnect: false; error: NatterClientError };

/**
 * Close codes that say the client misbehaved (a bug, or too fast, or too slow): reconnect,
 * but keep backing off, even after a session that lasted, so a bug cannot become a
 * reconnect storm.
 */
const PENALTY_CODES: ReadonlySet<number> = new Set([
  CloseCode.TooLarge,
  CloseCode.ProtocolViolation,
  CloseCode.RateLimited,
  CloseCode.SlowConsumer,
]);

/** The longest reconnect spread a server's `bye` may ask for. */
const MAX_SPREAD_MS = 60_000;

/**
 * Decides whether and when to reconnect after a connection ends. Failures in a row grow
 * the delay (exponential, full jitter); a session that stayed open longer than the
 * largest delay resets it. A server that asks for a reconnect (`bye` with
 * `reconnect:true`, close 4010) gets one soon, uniformly within the `bye`'s `spreadMs`
 * (the draining gateway's session count over the rate the cluster takes them back) or else
 * within the first delay, so a draining gateway's clients spread out. A session lost without
 * a `bye` (a gateway killed) is retried within `dropSpreadMs`, for the same reason. A `hello`
 * refused with `retryAfter` (a busy gateway) waits at least that long, plus up to as much
 * again at random, so a crowd refused together does not return together.
 */
export class ReconnectPolicy {
  private attempt = 0;

  constructor(
    private readonly backoff: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** After a connection ended. */
  afterClose(f: CloseFacts): ReconnectDecision {
    if (f.bye && !f.bye.reconnect) {
      return stop('closed', `the server closed the session (${f.bye.reason}) and asked not to reconnect`);
    }
    if (f.code === CloseCode.Unauthenticated && !f.canRenewToken) {
      return stop(
        'unauthenticated',
        'the server closed the session (4001: token expired or no hello) and the token is a fixed string; pass a token function to renew it',
      );
    }
    if (f.authRetry || f.bye?.reconnect || f.code === CloseCode.Draining) {
      const spread = f.bye?.spreadMs;
      const window =
        spread !== undefined && spread > 0 ? Math.min(spread, MAX_SPREAD_MS) : this.backoff.initialDelayMs;
      return { reconnect: true, delayMs: Math.floor(this.random() * window) };
    }
    if (f.retryAfterMs !== undefined && f.retryAfterMs > 0) {
      const wait = Math.max(Math.min(f.retryAfterMs, MAX_SPREAD_MS), this.nextDelay());
      return { reconnect: true, delayMs: wait + Math.floor(this.random() * wait) };
    }
    const penalty = PENALTY_CODES.has(f.code);
    if (f.openForMs !== undefined && f.openForMs >= this.backoff.maxDelayMs && !penalty) {
      this.attempt = 0;
    }
    const delay = this.nextDelay();
    if (f.openForMs !== undefined && !penalty && !f.bye) {
      const spread = Math.floor(this.random() * (this.backoff.dropSpreadMs ?? 0));
      return { reconnect: true, delayMs: Math.max(delay, spread) };
    }
    return { reconnect: true, delayMs: delay };
  }

  /** After an attempt that failed before a socket was opened (e.g. the token hook threw). */
  afterFailure(): number {
    return this.nextDelay();
  }

  private nextDelay(): number {
    return backoffDelay(this.attempt++, this.backoff, this.random);
  }
}

function stop(code: 'closed' | 'unauthenticated', message: string): ReconnectDecision {
  return { reconnect: false, error: new NatterClientError(code, message) };
}
