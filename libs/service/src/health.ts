import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@natter/log';
import type { Registry } from 'prom-client';

/** Named readiness checks, e.g. `{ bus: () => bus.ready }`; a check that throws is failing. */
export type HealthChecks = Record<string, () => boolean>;

export interface HealthRoutesOptions {
  checks: HealthChecks;
  registry: Registry;
}

/** Answers one HTTP request if it is for this route table; false leaves it to the caller. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : body);
}

function failing(checks: HealthChecks): string[] {
  return Object.entries(checks)
    .filter(([, check]) => {
      try {
        return check() !== true;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

/**
 * `GET /healthz`: the process is alive (always 200). `GET /readyz`: 200 when every check
 * passes, else 503 naming the failing ones, so a load balancer stops sending traffic here
 * while a backend is down. `GET /metrics`: Prometheus text. Any other path returns false,
 * so the gateway can chain these into its public server.
 */
export function healthRoutes(opts: HealthRoutesOptions): RouteHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (!PATHS.has(path)) return false;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'application/json', JSON.stringify({ ok: false, error: 'method not allowed' }), false);
      return true;
    }
    if (path === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true }), head);
    } else if (path === '/readyz') {
      const bad = failing(opts.checks);
      const body = bad.length ? { ok: false, failing: bad } : { ok: true };
      send(res, bad.length ? 503 : 200, 'application/json', JSON.stringify(body), head);
    } else {
      opts.registry.metrics().then(
        (text) => send(res, 200, opts.registry.contentType, text, head),
        (err: unknown) => send(res, 500, 'text/plain', `metrics collection failed: ${String(err)}\n`, head),
      );
    }
    return true;
  };
}

export interface HealthServerOptions extends HealthRoutesOptions {
  /** 0 picks a free port (tests); the bound one is returned. */
  port: number;
  /** Interface to listen on; all interfaces by default. */
  host?: string;
  log: Logger;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A service's own small HTTP server for `/healthz`, `/readyz` and `/metrics` (HTTP_PORT). */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const routes = healthRoutes(opts);
  const server = createServer((req, res) => {
    if (!routes(req, res))
      send(res, 404, 'application/json', JSON.stringify({ ok: false, error: 'not found' }), false);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new Error(`health server could not listen on port ${opts.port}: ${err.message}`, { cause: err }),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port }, 'health and metrics on /healthz /readyz /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Prometheus keeps its connection open between scrapes; do not wait for it.
        server.closeAllConnections();
      }),
  };
}
