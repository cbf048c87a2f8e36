import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';
import { httpOk, tcpProbe } from './probe.ts';
import { findBinary, type ServerHandle, startServer } from './server.ts';

export interface NatsOptions {
  /** Client port; a free one by default. */
  port?: number;
  /** Enables JetStream with a temp store dir that survives restart() and is removed by stop(). */
  jetstream?: boolean;
}

/** The counters of nats-server's /varz that tests assert on. */
export interface NatsVarz {
  in_msgs: number;
  out_msgs: number;
  connections: number;
}

export interface NatsHandle extends ServerHandle {
  /** nats://127.0.0.1:<port> */
  url: string;
  port: number;
  monitorPort: number;
  varz(): Promise<NatsVarz>;
}

/** Starts a real nats-server on 127.0.0.1, with HTTP monitoring, and waits until it accepts clients. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsHandle> {
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)];
  let tempDir: string | undefined;
  if (opts.jetstream) {
    tempDir = await mkdtemp(path.join(tmpdir(), 'natter-nats-'));
    args.push('-js', '-sd', tempDir);
  }
  const monitor = `http://127.0.0.1:${monitorPort}`;
  const server = await startServer({
    name: `nats-server:${port}`,
    command: findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']),
    args,
    tempDir,
    // /healthz covers JetStream readiness; the INFO line proves the client port is open.
    ready: async () => (await httpOk(`${monitor}/healthz`)) && (await tcpProbe(port, '', 'INFO')),
  });
  return {
    ...server,
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    varz: async () => {
      const res = await fetch(`${monitor}/varz`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`nats-server /varz on ${monitor} answered ${res.status}`);
      const body = (await res.json()) as NatsVarz;
      return { in_msgs: body.in_msgs, out_msgs: body.out_msgs, connections: body.connections };
    },
  };
}
