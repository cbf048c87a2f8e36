import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Servers that stand for hosts a page must not contact on its own, and count every TCP
 * connection made to them: a test asserts the count is 0 (not merely that no request
 * succeeded, since a TLS or WebSocket handshake that fails still reached the host).
 */
export interface CountingServer {
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as { port: number }).port));
  });
}

function counting(server: Server, port: number): CountingServer {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A TCP listener on `host` that accepts connections, answers nothing, and counts them. */
export async function countingListener(host: string): Promise<CountingServer> {
  const server = createServer();
  return counting(server, await listen(server, host));
}

/** A self-signed certificate for 127.0.0.1, made fresh (no key is kept in the repository). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'natter-cert-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
      ],
      { stdio: 'pipe' },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RemoteHost extends CountingServer {
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** The paths requested so far, in order. */
  readonly requests: string[];
}

/**
 * An https:// host on 127.0.0.1 (attachment URLs must be https) that answers every path
 * with `body` and records the paths asked for. Browsers must ignore its certificate errors.
 */
export async function remoteHost(body: Buffer, type: string): Promise<RemoteHost> {
  const requests: string[] = [];
  const server = createHttpsServer(selfSigned(), (req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' });
    res.end(body);
  });
  const port = await listen(server, '127.0.0.1');
  return { ...counting(server, port), origin: `https://127.0.0.1:${port}`, requests };
}
