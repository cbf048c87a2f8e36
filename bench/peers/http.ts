import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The HTTP server a bench peer listens on: `/metrics` (prom-client's process metrics, which
 * the bench reads for memory per connection) and `/healthz` (readiness); 404 otherwise.
 * WebSocket servers attach to it.
 */
export function peerHttpServer(): Server {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      });
      return;
    }
    res.writeHead(req.url === '/healthz' ? 200 : 404).end();
  });
}
