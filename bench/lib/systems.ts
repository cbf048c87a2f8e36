import { mkdirSync } from 'node:fs';
import {
  freePort,
  type NatsHandle,
  type PostgresHandle,
  type ProcessOptions,
  type ProcHandle,
  type RedisHandle,
  StartError,
  startNats,
  startPostgres,
  startRedis,
  startProcess as startTestkitProcess,
} from '@natter/testkit';
import type { Target } from './ipc.ts';
import type { ProfiledProcess } from './profiler.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BENCH = new URL('../', import.meta.url).pathname;

/** One system under test: where clients connect, and each node's /metrics (and pid). */
export interface System {
  target: Target;
  nodes: { name: string; metrics: string; proc: ProcHandle }[];
  /** Processes behind the nodes (Natter's services), stopped after the nodes. */
  backends: ProcHandle[];
  /** With StartOptions.profileDir: the processes running under lib/profile-entry.ts. */
  profiled?: ProfiledProcess[];
}

export interface Infra {
  nats: NatsHandle;
  /** Natter's presence Redis. */
  redis: RedisHandle;
  /** The peer's own Redis (its adapter's pub/sub), so neither system sees the other's load. */
  peerRedis: RedisHandle;
  pg: PostgresHandle;
  /** The one database both Natter and the peer store their messages in. */
  databaseUrl: string;
}

export interface Systems {
  infra: Infra;
  natter: System;
  peer: System;
  ws: System;
  nats: System;
  /**
   * Natter with `size` gateways (on the same services, brokers and databases) or the peer with
   * `size` nodes (on the same Redis): starts the missing ones (gw-3..., socketio-3...), stops
   * those beyond `size` (never the first two, which the other scenarios use) and returns that
   * cluster. `natter` and `peer` above stay the two-node systems. Extra gateways run without
   * the profiler.
   */
  resize(id: 'natter' | 'peer', size: number): Promise<System>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory for CPU profiles of every Natter process (lib/profile-entry.ts); unset: none. */
  profileDir?: string;
  onStep?: (what: string) => void;
}

/**
 * testkit's startProcess, tried twice: on a busy 2-core machine a tsx process can miss the
 * 20 s readiness deadline once (the first attempt's process is killed by then).
 */
async function startProcess(opts: ProcessOptions): Promise<ProcHandle> {
  try {
    return await startTestkitProcess(opts);
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    return startTestkitProcess(opts);
  }
}

/**
 * The entry and environment that run `entry` as process `name`: as it is, or under
 * lib/profile-entry.ts (CPU profiles toggled by SIGUSR2) when profiling.
 */
function launch(
  name: string,
  entry: string,
  env: Record<string, string>,
  profiled: ProfiledProcess[],
  profileDir: string | undefined,
): { entry: string; env: Record<string, string>; adopt(proc: ProcHandle): ProcHandle } {
  if (!profileDir) return { entry, env, adopt: (proc) => proc };
  mkdirSync(profileDir, { recursive: true });
  const out = `${profileDir}/${name}`;
  return {
    entry: `${BENCH}lib/profile-entry.ts`,
    env: { ...env, BENCH_PROFILE_ENTRY: entry, BENCH_PROFILE_OUT: out },
    adopt(proc) {
      profiled.push({ name, pid: () => proc.pid, out });
      return proc;
    },
  };
}

async function service(
  name: string,
  env: Record<string, string>,
  profiled: ProfiledProcess[],
  profileDir: string | undefined,
): Promise<ProcHandle> {
  const httpPort = await freePort();
  const l = launch(name, `${ROOT}services/${name}/src/main.ts`, env, profiled, profileDir);
  return l.adopt(
    await startProcess({
      name,
      entry: l.entry,
      cwd: ROOT,
      env: { ...l.env, HTTP_PORT: String(httpPort) },
      readyUrl: `http://127.0.0.1:${httpPort}/readyz`,
    }),
  );
}

function natterEnv(infra: Infra): Record<string, string> {
  return {
    NATS_URL: infra.nats.url,
    REDIS_URL: infra.redis.url,
    DATABASE_URL: infra.databaseUrl,
    // Open mode, clients say `hello` with `user` (tokens are not what is measured).
    NATTER_AUTH: 'open',
    NATTER_JWT_SECRET: '',
    NATTER_JWT_PUBLIC_KEY: '',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: '',
    // Abuse limits off: the load generator is one "client address" sending far more than a
    // person would, and the peer has no such limits. What is measured is capacity.
    NATTER_MAX_CONNECTIONS_PER_IP: '10000000',
    NATTER_HTTP_RATE_PER_SEC: '1000000',
    NATTER_HTTP_RATE_BURST: '1000000',
    NATTER_RATE_REQUESTS_PER_SEC: '1000000',
    NATTER_RATE_REQUESTS_BURST: '1000000',
    NATTER_RATE_SENDS_PER_SEC: '1000000',
    NATTER_RATE_SENDS_BURST: '1000000',
    NATTER_USER_SENDS_PER_MIN: '100000000',
  };
}

type Node = System['nodes'][number] & { url: string };

/**
 * One more Natter service process on the shared infra with `extra` settings (the webhooks
 * scenario's hooks instance); the caller stops it.
 */
export function startNatterService(
  infra: Infra,
  name: 'hooks',
  extra: Record<string, string>,
): Promise<ProcHandle> {
  return service(name, { ...natterEnv(infra), ...extra }, [], undefined);
}

/** Gateway `gw-<n>`, one process (under the profiler when `profileDir` is set). */
async function startGateway(
  infra: Infra,
  n: number,
  profiled: ProfiledProcess[],
  profileDir: string | undefined,
): Promise<Node> {
  const port = await freePort();
  const httpPort = await freePort();
  const name = `gw-${n}`;
  const gwEnv = { ...natterEnv(infra), PORT: String(port), HTTP_PORT: String(httpPort), GATEWAY_ID: name };
  const l = launch(name, `${ROOT}services/gateway/src/main.ts`, gwEnv, profiled, profileDir);
  const proc = l.adopt(
    await startProcess({
      name,
      entry: l.entry,
      cwd: ROOT,
      env: l.env,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    }),
  );
  // A gateway's metrics are on its HTTP_PORT, not on the port clients use.
  return { name, url: `ws://127.0.0.1:${port}/ws`, metrics: `http://127.0.0.1:${httpPort}/metrics`, proc };
}

async function startNatter(infra: Infra, opts: StartOptions): Promise<System> {
  const env = natterEnv(infra);
  const profiled: ProfiledProcess[] = [];
  const backends = await Promise.all(
    (['history', 'rooms', 'presence'] as const).map((s) => service(s, env, profiled, opts.profileDir)),
  );
  const gateways = await Promise.all([1, 2].map((n) => startGateway(infra, n, profiled, opts.profileDir)));
  return {
    target: { kind: 'natter', urls: gateways.map((g) => g.url) },
    nodes: gateways.map(({ url: _, ...node }) => node),
    backends,
    profiled: opts.profileDir ? profiled : undefined,
  };
}

/** Socket.IO peer node `socketio-<n>`, one process on the peer's Redis. */
async function startPeerNode(infra: Infra, n: number): Promise<Node> {
  const port = await freePort();
  const proc = await startProcess({
    name: `socketio-${n}`,
    entry: `${BENCH}peers/socketio/server.ts`,
    cwd: ROOT,
    env: {
      PORT: String(port),
      REDIS_URL: infra.peerRedis.url,
      DATABASE_URL: infra.databaseUrl,
      NODE_OPTIONS: '',
    },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  });
  return {
    name: `socketio-${n}`,
    url: `http://127.0.0.1:${port}`,
    metrics: `http://127.0.0.1:${port}/metrics`,
    proc,
  };
}

async function startPeer(infra: Infra): Promise<System> {
  const nodes = await Promise.all([1, 2].map((n) => startPeerNode(infra, n)));
  return {
    target: { kind: 'socketio', urls: nodes.map((n) => n.url) },
    nodes: nodes.map(({ url: _, ...node }) => node),
    backends: [],
  };
}

async function startWsLimit(): Promise<System> {
  const port = await freePort();
  const proc = await startProcess({
    name: 'ws-limit',
    entry: `${BENCH}peers/ws-limit/server.ts`,
    cwd: ROOT,
    env: { PORT: String(port), NODE_OPTIONS: '' },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  });
  // Both "nodes" are the one process: the scenarios' two-node layout maps onto it.
  const url = `ws://127.0.0.1:${port}/ws`;
  const node = { name: 'ws-limit', metrics: `http://127.0.0.1:${port}/metrics`, proc };
  return { target: { kind: 'ws', urls: [url, url] }, nodes: [node], backends: [] };
}

/**
 * Starts everything on free ports: nats-server, two redis-servers and Postgres (through
 * @natter/testkit), then Natter (history, rooms, presence, two gateways), the Socket.IO peer
 * (two nodes) and the raw ws limit, each as its own process, as in production.
 */
export async function startSystems(opts: StartOptions = {}): Promise<Systems> {
  opts.onStep?.('starting nats-server, redis-server x2, Postgres');
  const [nats, redis, peerRedis, pg] = await Promise.all([
    startNats(),
    startRedis(),
    startRedis(),
    startPostgres(),
  ]);
  const databaseUrl = await pg.createDatabase('bench');
  const infra: Infra = { nats, redis, peerRedis, pg, databaseUrl };
  const started: System[] = [];
  const extra: Record<'natter' | 'peer', Node[]> = { natter: [], peer: [] };
  const stop = async (): Promise<void> => {
    // Edges first (a gateway drains through its services), then what they use.
    await Promise.allSettled(
      [...extra.natter, ...extra.peer, ...started.flatMap((s) => s.nodes)].map((n) => n.proc.kill('SIGTERM')),
    );
    await Promise.allSettled(started.flatMap((s) => s.backends.map((p) => p.kill('SIGTERM'))));
    await Promise.allSettled([nats.stop(), redis.stop(), peerRedis.stop(), pg.stop()]);
  };
  try {
    opts.onStep?.('starting Natter (3 services, 2 gateways), Socket.IO peer (2 nodes), ws limit');
    const natter = await startNatter(infra, opts);
    started.push(natter);
    const peer = await startPeer(infra);
    started.push(peer);
    const ws = await startWsLimit();
    started.push(ws);
    const nats: System = {
      target: { kind: 'nats', urls: [infra.nats.url, infra.nats.url] },
      nodes: [],
      backends: [],
    };
    const base = { natter, peer };
    const resize = async (id: 'natter' | 'peer', size: number): Promise<System> => {
      const more = extra[id];
      const first = base[id].nodes.length;
      const gone = more.splice(Math.max(0, size - first));
      await Promise.all(gone.map((n) => n.proc.kill('SIGTERM')));
      // Numbers first + 1... not taken yet (one whose start failed is free again).
      const taken = new Set(more.map((n) => n.name));
      const numbers: number[] = [];
      for (let n = first + 1; numbers.length < size - first - more.length; n++)
        if (!taken.has(id === 'natter' ? `gw-${n}` : `socketio-${n}`)) numbers.push(n);
      const starting = await Promise.allSettled(
        numbers.map((n) =>
          id === 'natter' ? startGateway(infra, n, [], undefined) : startPeerNode(infra, n),
        ),
      );
      // Kept even when one failed to start, so stop() or the next resize ends the others.
      for (const s of starting) if (s.status === 'fulfilled') more.push(s.value);
      const failed = starting.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      more.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
      return {
        ...base[id],
        target: { ...base[id].target, urls: [...base[id].target.urls, ...more.map((n) => n.url)] },
        nodes: [...base[id].nodes, ...more.map(({ url: _, ...node }) => node)],
        profiled: undefined,
      };
    };
    return { infra, natter, peer, ws, nats, resize, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
