import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { createMetrics } from '@natter/service';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, start } from '../src/start.ts';

/**
 * The gateway's public HTTP edge on a real gateway and real sockets: what it lets a browser
 * frame, which files it serves, how it answers a broken path, and who may read /metrics.
 * An in-process bus stands in for NATS: none of this reaches a backend service.
 */

const SECRET = 'edge-test-secret-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const INDEX = '<!doctype html><title>natter</title>';

let dir: string;
let lines: Record<string, unknown>[] = [];
const running: RunningGateway[] = [];
const buses: MemoryBus[] = [];

/** A gateway serving `dir/web`, logging at debug into `lines`. */
async function gateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = loadConfig({ PORT: '0', NATTER_JWT_SECRET: SECRET, LOG_LEVEL: 'debug', ...env });
  const log = createLogger({
    name: 'edge-test',
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const bus = new MemoryBus();
  buses.push(bus);
  const gw = await start(config, {
    bus,
    log,
    registry: createMetrics('gateway').registry,
    webDir: join(dir, 'web'),
  });
  running.push(gw);
  return gw;
}

const at = (gw: RunningGateway, path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${gw.port}${path}`, init);

const auth = async (user: string) => ({
  authorization: `Bearer ${await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET))}`,
});

/** `directive -> sources` of a CSP, to compare policies whatever their order. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources.join(' ')]),
  );
}

beforeAll(() => {
  // web/ and, beside it, a folder whose name starts with "web": a prefix test cannot tell them apart.
  dir = mkdtempSync(join(tmpdir(), 'natter-edge-'));
  mkdirSync(join(dir, 'web'));
  writeFileSync(join(dir, 'web', 'index.html'), INDEX);
  writeFileSync(join(dir, 'web', 'app.js'), 'console.log(1)');
  mkdirSync(join(dir, 'web-private'));
  writeFileSync(join(dir, 'web-private', 'secret.txt'), 'not for the web');
});

afterAll(async () => {
  for (const gw of running) await gw.stop();
  for (const bus of buses) await bus.drain();
  rmSync(dir, { recursive: true, force: true });
});

describe('the web client', () => {
  it('is served with a CSP header as strict as the meta tag of web/index.html, and may be framed only by its own origin', async () => {
    const gw = await gateway();
    lines = [];
    for (const path of ['/', '/app.js', '/some/client/route']) {
      const res = await at(gw, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      const csp = directives(res.headers.get('content-security-policy') ?? '');
      expect(csp.get('frame-ancestors'), path).toBe("'self'");
      // The browser enforces the header and the meta tag both: the header may add, never loosen or drop.
      const html = readFileSync(new URL('../../../web/index.html', import.meta.url), 'utf8');
      const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
      expect(meta, 'web/index.html has a CSP meta tag').not.toBeNull();
      for (const [name, sources] of directives(meta![1]))
        expect(csp.get(name), `${path}: ${name}`).toBe(sources);
    }
  });

  it('does not serve a file of a sibling folder whose name starts with the web folder name', async () => {
    const gw = await gateway();
    for (const path of ['/..%2fweb-private%2fsecret.txt', '/%2e%2e%2fweb-private%2fsecret.txt']) {
      const res = await at(gw, path);
      const body = await res.text();
      expect(body, path).not.toContain('not for the web');
      expect(body, path).toBe(INDEX);
    }
    expect(await (await at(gw, '/app.js')).text()).toBe('console.log(1)');
  });
});

describe('a malformed % in the path', () => {
  it('is 400 bad_request naming what was wrong, logged at debug, and the gateway keeps serving', async () => {
    const gw = await gateway();
    lines = [];
    const cases = [
      { path: '/%E0%A4%A', names: /^path: "\/%E0%A4%A" is not valid percent-encoding$/, headers: {} },
      {
        path: '/v1/conversations/%zz/messages',
        names: /^conv: "%zz" is not valid percent-encoding$/,
        headers: await auth('alice'),
      },
    ];
    for (const c of cases) {
      const res = await at(gw, c.path, { headers: c.headers });
      expect(res.status, c.path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, c.path).toBe('bad_request');
      expect(body.error.message, c.path).toMatch(c.names);
    }
    // pino levels: 20 debug, 50 error.
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    const refused = lines.filter((l) => l.msg === 'HTTP request refused');
    expect(refused.map((l) => [l.level, l.code])).toEqual([
      [20, 'bad_request'],
      [20, 'bad_request'],
    ]);
    expect((await at(gw, '/')).status).toBe(200);
    expect((await at(gw, '/healthz')).status).toBe(200);
  });
});

describe('the HTTP API and health answers', () => {
  it('may be framed by nobody', async () => {
    const gw = await gateway();
    for (const path of ['/v1/openapi.json', '/v1/conversations', '/healthz', '/v1/nothing']) {
      const res = await at(gw, path);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(directives(res.headers.get('content-security-policy') ?? '').get('frame-ancestors'), path).toBe(
        "'none'",
      );
    }
  });
});

describe('/metrics', () => {
  it('is not on the public port by default; /healthz and /readyz are', async () => {
    const gw = await gateway();
    expect(gw.httpPort).toBeUndefined();
    const res = await at(gw, '/metrics');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/natter_gateway_/);
    expect((await at(gw, '/healthz')).status).toBe(200);
    expect((await at(gw, '/readyz')).status).toBe(200);
  });

  it('is served on HTTP_PORT, with /healthz and /readyz', async () => {
    const gw = await gateway({ HTTP_PORT: '0' });
    expect(gw.httpPort).toBeGreaterThan(0);
    const ops = `http://127.0.0.1:${gw.httpPort}`;
    const res = await fetch(`${ops}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/natter_gateway_sessions/);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    expect((await at(gw, '/metrics')).status).toBe(404);
  });

  it('is served on the public port only with Authorization: Bearer <NATTER_METRICS_TOKEN>', async () => {
    const gw = await gateway({ NATTER_METRICS_TOKEN: METRICS_TOKEN });
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${METRICS_TOKEN}x`]) {
      const res = await at(gw, '/metrics', { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
    const res = await at(gw, '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/natter_gateway_sessions/);
  });

  it('refuses a guessable NATTER_METRICS_TOKEN at start', () => {
    expect(() => loadConfig({ NATTER_METRICS_TOKEN: 'short' })).toThrow(
      /NATTER_METRICS_TOKEN: must be at least 16/,
    );
  });
});
