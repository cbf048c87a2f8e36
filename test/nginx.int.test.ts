import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { renderNginxSite } from '../deploy/nginx/render.ts';

// Debian's nginx, natively, with deploy/nginx/nginx.conf rendered for two stand-in
// gateways on free ports: the same file compose runs, proved on real traffic. The stand-ins
// answer with their name so the test sees where nginx sent each request.

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

interface FakeGateway {
  name: string;
  port: number;
  server: Server;
  /** Headers of the last plain HTTP request, to check what nginx forwards. */
  lastHeaders?: IncomingMessage['headers'];
}

async function fakeGateway(name: string): Promise<FakeGateway> {
  const port = await freePort();
  const gw: FakeGateway = { name, port, server: createServer() };
  gw.server.on('request', (req, res) => {
    gw.lastHeaders = req.headers;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ gw: name, path: req.url }));
  });
  const wss = new WebSocketServer({ server: gw.server, path: '/ws' });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(`${name}:${data.toString()}`));
  });
  await new Promise<void>((resolve) => gw.server.listen(port, '127.0.0.1', resolve));
  return gw;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function openWs(url: string): Promise<{ ws: WebSocket; ask(text: string): Promise<string> }> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    ask: (text) =>
      new Promise((resolve) => {
        ws.once('message', (data) => resolve(data.toString()));
        ws.send(text);
      }),
  };
}

describe.skipIf(!NGINX)('deploy/nginx/nginx.conf under real nginx', () => {
  let dir: string;
  let nginx: ChildProcess;
  let base: string;
  let gateways: FakeGateway[];
  let nginxOutput = '';

  beforeAll(async () => {
    gateways = [await fakeGateway('gw-a'), await fakeGateway('gw-b')];
    dir = mkdtempSync(path.join(tmpdir(), 'natter-nginx-'));
    const port = await freePort();
    const conf = renderNginxSite({
      dir,
      listenPort: port,
      gateways: gateways.map((g) => `127.0.0.1:${g.port}`),
    });
    base = `127.0.0.1:${port}`;
    nginx = spawn(
      NGINX!,
      ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log'), '-g', `pid ${dir}/nginx.pid; daemon off;`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    nginx.stdout?.on('data', (d) => {
      nginxOutput += d;
    });
    nginx.stderr?.on('data', (d) => {
      nginxOutput += d;
    });
    await waitFor(async () => (await fetch(`http://${base}/healthz`)).ok, {
      what: `nginx on ${base} (output so far: ${nginxOutput})`,
    });
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const gw of gateways ?? []) if (gw.server.listening) await closeServer(gw.server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('proxies HTTP to a gateway with the forwarding headers', async () => {
    const res = await fetch(`http://${base}/v1/conversations?x=1`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { gw: string; path: string };
    expect(body.path).toBe('/v1/conversations?x=1');
    const seen = gateways.find((g) => g.name === body.gw)!;
    expect(seen.lastHeaders?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.lastHeaders?.['x-real-ip']).toBe('127.0.0.1');
    expect(seen.lastHeaders?.host).toBe(base);
  });

  it('does not publish /metrics', async () => {
    expect((await fetch(`http://${base}/metrics`)).status).toBe(404);
  });

  it('upgrades /ws and spreads held connections over both gateways', async () => {
    const a = await openWs(`ws://${base}/ws`);
    const b = await openWs(`ws://${base}/ws`);
    try {
      const answers = [await a.ask('hi'), await b.ask('hi')];
      const names = answers.map((s) => s.split(':')[0]).sort();
      // least_conn: the second connection goes to the gateway that holds none.
      expect(names).toEqual(['gw-a', 'gw-b']);
    } finally {
      a.ws.close();
      b.ws.close();
    }
  });

  it('keeps serving through the other gateway when one is gone', async () => {
    const [gone, left] = gateways;
    await closeServer(gone.server);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`http://${base}/healthz`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { gw: string }).gw).toBe(left.name);
    }
    const ws = await openWs(`ws://${base}/ws`);
    try {
      expect(await ws.ask('still')).toBe(`${left.name}:still`);
    } finally {
      ws.ws.close();
    }
  });
});
