import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '@natter/config';
import { NatterError } from '@natter/protocol';
import { type HealthServer, healthRoutes, type RunningService, startHealthServer } from '@natter/service';
import { bearerToken, sendError, sendJson, type UploadStore, uploadRoutes } from '@natter/uploads';
import { Gateway, type GatewayParts } from './gateway.ts';
import { apiRoutes } from './http-api.ts';
import { AddressRateLimit } from './limits/address-rate.ts';
import { clientAddress } from './limits/connections.ts';
import { checkPublicMetrics } from './metrics-access.ts';
import { API_HEADERS } from './security-headers.ts';
import { staticRoutes } from './static-files.ts';

export interface GatewayStartParts extends GatewayParts {
  /** The built web client to serve at `/` (web/dist), if any. */
  webDir?: string;
  /** Where `POST /v1/uploads` stores bytes; without it the upload routes answer 503. */
  uploads?: UploadStore;
  /** Extra readiness checks (single-node mode adds the embedded parts). */
  checks?: Record<string, () => boolean>;
}

export interface RunningGateway extends RunningService {
  readonly id: string;
  readonly port: number;
  /** The port of `/healthz`, `/readyz` and `/metrics` for operators (HTTP_PORT), if set. */
  readonly httpPort: number | undefined;
  readonly gateway: Gateway;
  /** Drains: bye + 4010 to every client, in-flight requests finish, the listener closes. */
  stop(): Promise<void>;
}

export async function start(config: GatewayConfig, parts: GatewayStartParts): Promise<RunningGateway> {
  const gateway = new Gateway(config, parts);
  await gateway.start();
  const checks = { bus: () => parts.bus.ready, gateway: () => gateway.ready, ...parts.checks };
  // The public port keeps /healthz and /readyz (load balancers probe it there); /metrics
  // passes checkPublicMetrics first.
  const health = healthRoutes({ checks, registry: parts.registry });
  const api = apiRoutes(gateway);
  const web = staticRoutes(parts.webDir, { gateways: config.webGateways });
  const uploads = uploadRoutes({
    store: parts.uploads,
    auth: async (req) => (await gateway.auth.verify(bearerToken(req))).user,
    maxBytes: config.maxUploadBytes,
    bytesPerDay: config.uploadBytesPerDay,
    inFlightPerUser: config.uploadsInFlightPerUser,
    log: parts.log.child({ module: 'uploads' }),
  });
  const httpLimit = new AddressRateLimit(config.httpRatePerSec, config.httpRateBurst);
  const server: Server = createServer((req, res) => {
    // Defaults for every answer here: data, not pages. The web client's files and the
    // uploads' bytes replace them with their own.
    for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);
    if ((req.url ?? '/').split('?', 1)[0] === '/metrics') {
      try {
        checkPublicMetrics(req, config.metricsToken);
      } catch (err) {
        if (!(err instanceof NatterError)) throw err;
        if (err.code === 'unauthenticated') res.setHeader('www-authenticate', 'Bearer');
        sendError(res, err);
        return;
      }
    }
    if (health(req, res)) return;
    if (req.url?.startsWith('/v1/')) {
      // The HTTP API reads Postgres and verifies tokens: one address must not flood it. The
      // web client's files and /healthz, /readyz, /metrics are not counted.
      const wait = httpLimit.take(clientAddress(req, config.trustProxyHops));
      if (wait > 0) {
        gateway.metrics.rateLimited.inc({ bucket: 'http', action: 'limited' });
        sendError(
          res,
          new NatterError(
            'rate_limited',
            `too many HTTP API requests from this address; retry after ${wait} ms`,
            wait,
          ),
        );
        return;
      }
    }
    // /v1 routes before the web client, whose index.html fallback would answer their GETs.
    uploads(req, res)
      .then((done) => done || api(req, res))
      .then((done) => done || web(req, res))
      .then((handled) => {
        if (!handled)
          sendJson(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } });
      })
      .catch((err) => {
        if (err instanceof NatterError && !res.headersSent) {
          // The client's mistake (a malformed `%` in the path): the answer says what, no stack.
          parts.log.debug({ path: req.url, code: err.code, reason: err.message }, 'HTTP request refused');
          sendError(res, err);
          return;
        }
        parts.log.error({ err }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      });
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    gateway.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A dropped gateway's clients all dial the survivors within seconds: a connection that
    // finds the accept queue full has its SYN dropped and retried after 1, 3, 7, 15 s, so
    // the queue must hold a storm's wave (Node's default, 511, did not: issue 16).
    server.listen({ port: config.port, backlog: config.listenBacklog }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  parts.log.info(
    { gw: gateway.id, port },
    `gateway listening on http://localhost:${port} (WebSocket at /ws)`,
  );
  // Off unless HTTP_PORT is set: several gateways often share one host, and a default port
  // would make the second one fail to start.
  const ops: HealthServer | undefined =
    config.httpPort === undefined
      ? undefined
      : await startHealthServer({ port: config.httpPort, checks, registry: parts.registry, log: parts.log });
  return {
    id: gateway.id,
    port,
    httpPort: ops?.port,
    gateway,
    ready: () => gateway.ready,
    async stop() {
      server.close();
      await gateway.drain();
      server.closeAllConnections();
      await ops?.close();
    },
  };
}
