import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '@natter/bus';
import type { Config } from '@natter/config';
import type { Logger } from '@natter/log';
import { HTTP_STATUS, NatterError } from '@natter/protocol';
import { healthRoutes } from '@natter/service';
import { bearerToken, type UploadStore, uploadRoutes } from '@natter/uploads';
import type { Registry } from 'prom-client';
import { Gateway } from './gateway.ts';
import { apiRoutes, sendJson } from './http-api.ts';
import { AddressRateLimit } from './limits/address-rate.ts';
import { clientAddress } from './limits/connections.ts';
import { staticRoutes } from './static-files.ts';

export interface GatewayStartParts {
  bus: Bus;
  log: Logger;
  registry: Registry;
  /** The built web client to serve at `/` (web/dist), if any. */
  webDir?: string;
  /** Where `POST /v1/uploads` stores bytes; without it the upload routes answer 503. */
  uploads?: UploadStore;
  /** Extra readiness checks (single-node mode adds the embedded parts). */
  checks?: Record<string, () => boolean>;
}

export interface RunningGateway {
  readonly id: string;
  readonly port: number;
  readonly gateway: Gateway;
  ready(): boolean;
  /** Drains: bye + 4010 to every client, in-flight requests finish, the listener closes. */
  stop(): Promise<void>;
}

export async function start(config: Config, parts: GatewayStartParts): Promise<RunningGateway> {
  const gateway = new Gateway(config, parts);
  await gateway.start();
  const health = healthRoutes({
    checks: { bus: () => parts.bus.ready, gateway: () => gateway.ready, ...parts.checks },
    registry: parts.registry,
  });
  const api = apiRoutes(gateway);
  const web = staticRoutes(parts.webDir, { gateways: config.webGateways });
  const uploads = uploadRoutes({
    store: parts.uploads,
    auth: async (req) => (await gateway.auth.verify(bearerToken(req))).user,
    maxBytes: config.maxUploadBytes,
    log: parts.log.child({ module: 'uploads' }),
  });
  const httpLimit = new AddressRateLimit(config.httpRatePerSec, config.httpRateBurst);
  const server: Server = createServer((req, res) => {
    if (health(req, res)) return;
    if (req.url?.startsWith('/v1/')) {
      // The HTTP API reads Postgres and verifies tokens: one address must not flood it. The
      // web client's files and /healthz, /readyz, /metrics are not counted.
      const wait = httpLimit.take(clientAddress(req, config.trustProxyHops));
      if (wait > 0) {
        gateway.metrics.rateLimited.inc({ bucket: 'http', action: 'limited' });
        res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
        const err = new NatterError(
          'rate_limited',
          `too many HTTP API requests from this address; retry after ${wait} ms`,
          wait,
        );
        sendJson(res, HTTP_STATUS.rate_limited, { error: err.toBody() });
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
    server.listen(config.port, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  parts.log.info(
    { gw: gateway.id, port },
    `gateway listening on http://localhost:${port} (WebSocket at /ws)`,
  );
  return {
    id: gateway.id,
    port,
    gateway,
    ready: () => gateway.ready,
    async stop() {
      server.close();
      await gateway.drain();
      server.closeAllConnections();
    },
  };
}
