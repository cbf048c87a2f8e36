import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '@natter/config';
import type { Logger } from '@natter/log';
import { CloseCode, NatterError } from '@natter/protocol';
import type { Metrics } from '../metrics.ts';
import type { Session } from '../session.ts';
import { ConnectionLimits } from './connections.ts';
import { RateLimiter } from './rate-limiter.ts';
import { TokenExpiry } from './token-expiry.ts';
import { type UserSendLimit, userSendLimit } from './user-sends.ts';

export interface GuardParts {
  log: Logger;
  metrics: Metrics;
  /** Closes a session the way the gateway does (bye, close code, forget). */
  close(s: Session, code: CloseCode, reason: string): void;
}

/**
 * Every limit the gateway enforces, behind the few calls its connection and request paths
 * make: admission of upgrades (Origin, per address), sessions per user, per-connection rate
 * limits, the per-user send limit, and token expiry. Each call either lets the work go on
 * or answers the client itself.
 */
export class Guard {
  private readonly conns: ConnectionLimits;
  private readonly rate: RateLimiter;
  private readonly userSends: UserSendLimit;
  private readonly expiry: TokenExpiry<Session>;
  private readonly sessions = new Set<Session>();

  constructor(
    config: GatewayConfig,
    private readonly parts: GuardParts,
  ) {
    this.conns = new ConnectionLimits({
      maxPerIp: config.maxConnectionsPerIp,
      maxSessionsPerUser: config.maxSessionsPerUser,
      trustProxyHops: config.trustProxyHops,
      allowedOrigins: config.allowedOrigins,
    });
    this.rate = new RateLimiter({
      requestsPerSec: config.rateRequestsPerSec,
      requestsBurst: config.rateRequestsBurst,
      sendsPerSec: config.rateSendsPerSec,
      sendsBurst: config.rateSendsBurst,
      typingPerSec: config.rateTypingPerSec,
      typingBurst: config.rateTypingBurst,
      abuseRejections: config.rateAbuseRejections,
      abuseWindowMs: config.rateAbuseWindowMs,
    });
    this.userSends = userSendLimit({
      redisUrl: config.redisUrl,
      namespace: config.namespace,
      perMinute: config.userSendsPerMin,
      log: parts.log,
    });
    this.expiry = new TokenExpiry((s) => parts.close(s, CloseCode.Unauthenticated, 'token_expired'));
    parts.metrics.observe({
      bufferedBytes: () => [...this.sessions].map((s) => s.ws.bufferedAmount),
      pendingEvents: () => [...this.sessions].map((s) => s.pending.length),
    });
  }

  /** The raw HTTP refusal for an upgrade (403 bad Origin, 429 too many from one address), or undefined. */
  refuseUpgrade(req: IncomingMessage): string | undefined {
    const refusal = this.conns.refuseUpgrade(req);
    if (refusal)
      this.parts.metrics.refusedConnections.inc({ reason: refusal.includes(' 403 ') ? 'origin' : 'per_ip' });
    return refusal;
  }

  /** Counts a new connection (per address, outgoing gauges) until `untrack` at its close. */
  track(s: Session, req: IncomingMessage): void {
    this.sessions.add(s);
    s.countedAs = this.conns.track(req);
  }

  /** The connection closed: it no longer counts. Safe to call more than once. */
  untrack(s: Session): void {
    if (!this.sessions.delete(s) || s.countedAs === undefined) return;
    this.conns.release(s.countedAs);
    s.countedAs = undefined;
  }

  /**
   * Per-connection rate limits for one frame. True: handle it. False: it was answered
   * (`rate_limited` with `retryAfter`), dropped (typing without id), or the connection was
   * closed with 4008 for persistent abuse.
   */
  admit(s: Session, id: number | string | undefined, op: string): boolean {
    const v = this.rate.check(s, op, id !== undefined);
    if (v.kind === 'ok') return true;
    const m = this.parts.metrics;
    if (v.kind === 'drop') {
      m.rateLimited.inc({ bucket: v.bucket, action: 'dropped' });
    } else if (v.kind === 'abusive') {
      m.rateLimited.inc({ bucket: v.bucket, action: 'closed' });
      this.parts.close(s, CloseCode.RateLimited, 'rate_limited');
    } else {
      m.rateLimited.inc({ bucket: v.bucket, action: 'limited' });
      m.errors.inc({ code: 'rate_limited' });
      s.fail(id, op, v.error.toBody());
    }
    return false;
  }

  /** The per-user send limit (across gateways with REDIS_URL); throws `rate_limited`. */
  async checkUserSend(user: string): Promise<void> {
    const wait = await this.userSends.take(user);
    if (wait === 0) return;
    this.parts.metrics.rateLimited.inc({ bucket: 'user_send', action: 'limited' });
    throw new NatterError(
      'rate_limited',
      `too many messages from ${user} this minute; retry after ${wait} ms`,
      wait,
    );
  }

  /** Throws `rate_limited` when the user holds the most sessions allowed on this gateway. */
  checkSessions(user: string, current: Iterable<unknown>): void {
    let n = 0;
    for (const _ of current) n++;
    try {
      this.conns.checkSessions(user, n);
    } catch (err) {
      this.parts.metrics.refusedConnections.inc({ reason: 'per_user' });
      throw err;
    }
  }

  /** Ends the session when its token expires (a `refresh` moves the expiry). */
  watchExpiry(s: Session): void {
    this.expiry.watch(s);
  }

  forget(s: Session): void {
    this.expiry.forget(s);
  }

  async close(): Promise<void> {
    this.expiry.stop();
    await this.userSends.close();
  }
}
