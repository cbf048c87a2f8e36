import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { selfSignedCert } from '../helpers/tls.ts';

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
  const server = createHttpsServer(selfSignedCert(), (req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' });
    res.end(body);
  });
  const port = await listen(server, '127.0.0.1');
  return { ...counting(server, port), origin: `https://127.0.0.1:${port}`, requests };
}
