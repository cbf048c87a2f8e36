import { freePort } from './free-port.ts';
import { tcpProbe } from './probe.ts';
import { findBinary, type ServerHandle, startServer } from './server.ts';

export interface RedisOptions {
  /** A free port by default. */
  port?: number;
}

export interface RedisHandle extends ServerHandle {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
}

/**
 * Starts a real redis-server on 127.0.0.1 that keeps nothing on disk (no RDB snapshots, no
 * AOF): a restart comes back empty, like a Redis that lost its memory.
 */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisHandle> {
  const port = opts.port ?? (await freePort());
  const server = await startServer({
    name: `redis-server:${port}`,
    command: findBinary('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']),
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ready: () => tcpProbe(port, 'PING\r\n', '+PONG'),
  });
  return { ...server, url: `redis://127.0.0.1:${port}`, port };
}
