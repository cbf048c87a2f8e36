import type { IncomingMessage } from 'node:http';
import { NatterError } from '@natter/protocol';
import { bearerToken } from '@natter/uploads';
import { sameSecret } from './http-api.ts';

/**
 * Whether the public port (PORT) may answer this `GET /metrics`. Metrics name rooms' traffic,
 * users online and the process's internals, so they are not for anyone who can reach the
 * chat: they live on HTTP_PORT, and on the public port only for a scraper that sends
 * `Authorization: Bearer <NATTER_METRICS_TOKEN>`. Throws NatterError `not_found` when no
 * token is configured (the path does not exist here) and `unauthenticated` when the
 * request's token is missing or wrong.
 */
export function checkPublicMetrics(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined)
    throw new NatterError('not_found', 'metrics are not served on this port; scrape HTTP_PORT');
  if (!sameSecret(bearerToken(req), token))
    throw new NatterError('unauthenticated', 'Authorization: not the metrics token');
}
