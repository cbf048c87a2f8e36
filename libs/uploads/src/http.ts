import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, NatterError } from '@natter/protocol';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A body that is JSON already (a history page's bytes), sent as it is. */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  data: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(data);
}

/**
 * `{"error":{"code","message"}}` with the code's status; an error with `retryAfter` (ms,
 * `rate_limited`) also gets `Retry-After` (whole seconds, rounded up) for HTTP clients.
 */
export function sendError(res: ServerResponse, err: NatterError, headers: Record<string, string> = {}): void {
  const retry: Record<string, string> =
    err.retryAfter === undefined ? {} : { 'retry-after': String(Math.ceil(err.retryAfter / 1000)) };
  sendJson(res, HTTP_STATUS[err.code], { error: err.toBody() }, { ...retry, ...headers });
}

/** The token of `Authorization: Bearer <token>`; `unauthenticated` when there is none. */
export function bearerToken(req: IncomingMessage): string {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new NatterError('unauthenticated', 'Authorization: send "Bearer <token>"');
  return m[1]!;
}
