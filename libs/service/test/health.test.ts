import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@natter/log';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, healthRoutes, startHealthServer } from '../src/index.ts';

const log = createLogger({ name: 'health-test', level: 'silent' });
const servers: Server[] = [];

/** A real server where healthRoutes is chained before the caller's own 418 route. */
async function serve(checks: Record<string, () => boolean>): Promise<string> {
  const { registry } = createMetrics('test-svc');
  new Counter({ name: 'natter_test_total', help: 'a test counter', registers: [registry] }).inc(3);
  const routes = healthRoutes({ checks, registry });
  const server = createServer((req, res) => {
    if (routes(req, res)) return;
    res.writeHead(418).end('mine');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('healthRoutes', () => {
  it('answers /healthz with 200 ok', async () => {
    const base = await serve({ bus: () => false });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers /readyz with 200 when every check passes', async () => {
    const base = await serve({ bus: () => true, db: () => true });
    const res = await fetch(`${base}/readyz?verbose=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers /readyz with 503 naming the failing checks, a throwing check included', async () => {
    let busUp = false;
    const base = await serve({
      bus: () => busUp,
      db: () => true,
      redis: () => {
        throw new Error('boom');
      },
    });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, failing: ['bus', 'redis'] });
    busUp = true;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ ok: false, failing: ['redis'] });
  });

  it('serves Prometheus text with default metrics and the service label', async () => {
    const base = await serve({});
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('natter_test_total{service="test-svc"} 3');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="test-svc"\} /m);
    expect(text).toContain('nodejs_eventloop_lag_seconds{service="test-svc"}');
  });

  it('leaves other paths to the caller and refuses other methods', async () => {
    const base = await serve({});
    const other = await fetch(`${base}/healthzz`);
    expect(other.status).toBe(418);
    expect(await other.text()).toBe('mine');
    const post = await fetch(`${base}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('startHealthServer', () => {
  it('listens on a free port, answers, 404s the rest, and closes', async () => {
    const { registry } = createMetrics('svc');
    const health = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: { x: () => true },
      registry,
      log,
    });
    expect(health.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${health.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await health.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('fails with the port named when it is taken', async () => {
    const { registry } = createMetrics('svc');
    const first = await startHealthServer({ port: 0, host: '127.0.0.1', checks: {}, registry, log });
    await expect(
      startHealthServer({ port: first.port, host: '127.0.0.1', checks: {}, registry, log }),
    ).rejects.toThrow(`port ${first.port}`);
    await first.close();
  });
});
