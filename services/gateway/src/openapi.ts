import { UPLOAD_TYPES } from '@natter/protocol';
import { CONV, ref, schemas } from './openapi-schemas.ts';

/**
 * The OpenAPI 3.1 description of the gateway's HTTP API (docs/protocol.md, "HTTP API"),
 * served at `GET /v1/openapi.json`. It is written here, beside the routes, so a route that
 * changes and this document are one review; test/openapi.int.test.ts validates real
 * responses against it. Its shared schemas are in openapi-schemas.ts.
 */

const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('ErrorResponse')) });
const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait: retryAfter rounded up',
    schema: { type: 'integer', minimum: 0 },
  },
};
/** Every /v1 route: the per-address HTTP API bucket (NATTER_HTTP_RATE_PER_SEC / _BURST). */
const rateLimited = {
  ...errorResponse(
    'Too many HTTP API requests from this address: rate_limited with retryAfter (ms), and Retry-After (s)',
  ),
  headers: retryAfter,
};
/** `POST /v1/uploads`: the address's bucket and the per-user upload limits. */
const uploadLimited = {
  ...errorResponse(
    'rate_limited with retryAfter (ms) and Retry-After (s); the message names the limit: the ' +
      "address's HTTP API bucket, NATTER_UPLOAD_BYTES_PER_DAY (the user's uploads of the last 24 hours; " +
      'refused before the body is read when Content-Length says so) or NATTER_UPLOADS_IN_FLIGHT_PER_USER ' +
      '(uploads of the user in progress on this gateway)',
  ),
  headers: retryAfter,
};
const bearer = [{ bearer: [] }];

export function openapiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Natter HTTP API',
      version: '1',
      description:
        'The HTTP API every Natter gateway serves beside its WebSocket (`GET /ws`, docs/protocol.md). JSON in and out; errors are `{"error":{"code","message"}}` with the matching status.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A client token, as in `hello`',
        },
        serverApiKey: { type: 'http', scheme: 'bearer', description: 'The server API key (NATTER_API_KEY)' },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The metrics token (NATTER_METRICS_TOKEN)',
        },
      },
      schemas,
    },
    paths: {
      '/v1/conversations': {
        get: {
          operationId: 'listConversations',
          summary: "The caller's conversations: rooms joined and DMs with at least one message",
          security: bearer,
          responses: {
            200: {
              description: 'As in hello',
              content: json({
                type: 'object',
                required: ['convs'],
                properties: { convs: { type: 'array', items: ref('ConvSummary') } },
              }),
            },
            401: errorResponse('No valid token'),
            503: errorResponse('A backend is unavailable'),
            429: rateLimited,
          },
        },
      },
      '/v1/conversations/{conv}/messages': {
        get: {
          operationId: 'listMessages',
          summary: 'A page of a conversation, as the `history` request; members only',
          security: bearer,
          parameters: [
            {
              name: 'conv',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: CONV },
              description: 'URL-encoded, e.g. room%3Ageneral',
            },
            {
              name: 'before',
              in: 'query',
              schema: { type: 'integer', minimum: 0 },
              description: 'Only seq below it (absent: the newest page)',
            },
            {
              name: 'after',
              in: 'query',
              schema: { type: 'integer', minimum: 0 },
              description: 'Only seq above it; not with before',
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
          ],
          responses: {
            200: { description: 'Oldest first', content: json(ref('HistoryPage')) },
            400: errorResponse('Bad conv (or a malformed % escape in it) or parameters'),
            401: errorResponse('No valid token'),
            403: errorResponse('Not a member of the conversation'),
            404: errorResponse('No such room'),
            503: errorResponse('A backend is unavailable'),
            429: rateLimited,
          },
        },
      },
      '/v1/messages': {
        post: {
          operationId: 'postMessage',
          summary: 'The server API for backends and bots: send as a named user, or as `system`',
          security: [{ serverApiKey: [] }],
          requestBody: { required: true, content: json(ref('ServerMessage')) },
          responses: {
            200: { description: 'Stored, as the result of `send`', content: json(ref('SendResult')) },
            400: errorResponse('Bad body'),
            401: errorResponse('Not the server API key'),
            403: errorResponse('The server API is off (no NATTER_API_KEY) or the target refuses'),
            413: errorResponse('Text or body over a limit'),
            503: errorResponse('A backend is unavailable; nothing was stored, retry with the same cid'),
            429: rateLimited,
          },
        },
      },
      '/v1/events': {
        get: {
          operationId: 'listEvents',
          summary: 'A page of the event log (the changes webhooks deliver), for a backend to catch up',
          security: [{ serverApiKey: [] }],
          parameters: [
            {
              name: 'after',
              in: 'query',
              schema: { type: 'string', maxLength: 64 },
              description: 'A cursor from an earlier page; without it, the oldest retained event',
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          ],
          responses: {
            200: { description: 'Events after the cursor, oldest first', content: json(ref('EventsPage')) },
            400: errorResponse('Bad after or limit'),
            401: errorResponse('Not the server API key'),
            403: errorResponse('The server API is off (no NATTER_API_KEY)'),
            503: errorResponse('The hooks service (which serves the log) is unavailable'),
          },
        },
      },
      '/v1/uploads': {
        post: {
          operationId: 'upload',
          summary: 'Store a file for an attachment; the bytes must be of the declared type',
          security: bearer,
          requestBody: {
            required: true,
            content: Object.fromEntries(
              UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }]),
            ),
          },
          responses: {
            201: { description: 'Stored', content: json(ref('Upload')) },
            400: errorResponse('Type not allowed, empty body, or bytes not of the declared type'),
            401: errorResponse('No valid token'),
            413: errorResponse(
              'Larger than NATTER_MAX_UPLOAD_BYTES (10 MiB by default); refused unread, the connection closes',
            ),
            503: errorResponse('Uploads are not configured or the store is unavailable'),
            429: uploadLimited,
          },
        },
      },
      '/v1/uploads/{id}': {
        get: {
          operationId: 'download',
          summary: 'The bytes of an upload; the id is the capability, no Authorization needed',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^u_[A-Za-z0-9_-]{16,64}$' },
            },
          ],
          responses: {
            200: {
              description:
                'The bytes, with X-Content-Type-Options: nosniff and a sandboxing Content-Security-Policy',
              headers: {
                'X-Content-Type-Options': { schema: { type: 'string', const: 'nosniff' } },
                'Content-Security-Policy': { schema: { type: 'string' } },
              },
              content: Object.fromEntries(
                UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }]),
              ),
            },
            404: errorResponse('No such upload'),
            429: rateLimited,
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: {
            200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) },
            429: rateLimited,
          },
        },
      },
      '/v1/asyncapi.json': {
        get: {
          operationId: 'asyncapi',
          summary: 'The WebSocket protocol at /ws as an AsyncAPI 3.0 document (docs/asyncapi.yaml)',
          responses: {
            200: {
              description: 'AsyncAPI 3.0, generated from the schemas that validate frames',
              content: json({
                type: 'object',
                required: ['asyncapi'],
                properties: { asyncapi: { const: '3.0.0' } },
              }),
            },
            429: rateLimited,
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'The process is alive',
          responses: { 200: { description: 'Alive', content: json(ref('Health')) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Connected to everything it needs; a load balancer sends traffic only while 200',
          responses: {
            200: { description: 'Ready', content: json(ref('Health')) },
            503: { description: 'Not ready; `failing` names the checks', content: json(ref('Health')) },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary:
            "Prometheus metrics (text exposition format). Open on the gateway's HTTP_PORT; on this public port only with the metrics token",
          security: [{ metricsToken: [] }],
          responses: {
            200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
            401: errorResponse('Not the metrics token'),
            404: errorResponse('No NATTER_METRICS_TOKEN is set: metrics are on HTTP_PORT only'),
          },
        },
      },
    },
  };
}
