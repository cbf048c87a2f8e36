import type { IncomingMessage } from 'node:http';
import { NatterError } from '@natter/protocol';

export interface ConnectionLimitOptions {
  maxPerIp: number;
  maxSessionsPerUser: number;
  /** Proxies whose X-Forwarded-For entry is trusted (0: use the TCP peer). */
  trustProxyHops: number;
  /** Browser origins allowed to open a WebSocket; undefined allows any. */
  allowedOrigins?: string[];
}

/** The client address: the TCP peer, or the entry `trustProxyHops` from the right of X-Forwarded-For. */
export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustProxyHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // Entries left of the ones our proxies appended were written by the client: not trusted.
  return list[list.length - trustProxyHops] ?? peer;
}

function refusal(status: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * Admission of WebSocket connections on one gateway: the Origin allow-list, connections per
 * client address, sessions per user. Counts are this gateway's; a deployment's total per
 * address is at most the number of gateways times the limit.
 */
export class ConnectionLimits {
  private readonly perIp = new Map<string, number>();

  constructor(private readonly opts: ConnectionLimitOptions) {}

  /** The raw HTTP response refusing this upgrade, or undefined to accept it. */
  refuseUpgrade(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (this.opts.allowedOrigins && origin !== undefined && !this.opts.allowedOrigins.includes(origin)) {
      return refusal(
        '403 Forbidden',
        'forbidden',
        `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`,
      );
    }
    const ip = clientAddress(req, this.opts.trustProxyHops);
    if ((this.perIp.get(ip) ?? 0) >= this.opts.maxPerIp) {
      return refusal(
        '429 Too Many Requests',
        'rate_limited',
        `this address already holds ${this.opts.maxPerIp} connections to this gateway`,
      );
    }
    return undefined;
  }

  /** Counts an accepted connection; returns the address to `release` when it closes. */
  track(req: IncomingMessage): string {
    const ip = clientAddress(req, this.opts.trustProxyHops);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return ip;
  }

  release(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  /** Throws `rate_limited` when `user` already holds `current` sessions, the most allowed. */
  checkSessions(user: string, current: number): void {
    if (current >= this.opts.maxSessionsPerUser) {
      throw new NatterError(
        'rate_limited',
        `user ${user} already has ${current} sessions on this gateway; close one first`,
        5000,
      );
    }
  }
}
