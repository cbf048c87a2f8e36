import {
  freePort,
  type NatsHandle,
  type PostgresHandle,
  type ProcHandle,
  type RedisHandle,
  startNats,
  startPostgres,
  startProcess,
  startRedis,
} from '@natter/testkit';
import { SignJWT } from 'jose';

export const JWT_SECRET = 'test-secret-0123456789abcdef0123456789';
export const API_KEY = 'test-api-key';

export async function token(user: string, opts: { expSec?: number; secret?: string; alg?: string } = {}) {
  const exp = Math.floor(Date.now() / 1000) + (opts.expSec ?? 3600);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

/** Sends a message as `from` through the server API (POST /v1/messages) of the first gateway. */
export async function apiSend(
  cluster: Cluster,
  from: string,
  to: string,
  text: string,
): Promise<{ conv: string; seq: number; mid: string }> {
  const res = await fetch(`${cluster.gateways[0]!.http}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from, to, cid: `c${Math.random()}`, text }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/messages answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<{ conv: string; seq: number; mid: string }>;
}

export interface Cluster {
  nats: NatsHandle;
  redis: RedisHandle;
  pg: PostgresHandle;
  databaseUrl: string;
  /** `http` is the public port; `metrics` the gateway's own HTTP_PORT, where /metrics lives. */
  gateways: { id: string; port: number; url: string; http: string; metrics: string; proc: ProcHandle }[];
  services: Record<ServiceName, ProcHandle[]>;
  /** Each service instance's health server (`http://127.0.0.1:<HTTP_PORT>`), in `services` order. */
  health: Record<ServiceName, string[]>;
  env: Record<string, string>;
  /** One more gateway on the same parts, with `env` on top of the cluster's (a different setting, say). */
  addGateway(env?: Record<string, string>): Promise<Cluster['gateways'][number]>;
  stop(): Promise<void>;
}

type ServiceName = 'history' | 'rooms' | 'presence' | 'hooks' | 'push';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * The distributed topology as separate processes on real parts: nats-server, redis-server,
 * Postgres, `instances` of each service and `gateways` gateways.
 */
export async function startCluster(
  opts: {
    gateways?: number;
    instances?: number;
    /** Instances of the hooks service (webhooks, GET /v1/events); none unless asked for. */
    hooks?: number;
    /** Instances of the push service; none unless asked for. */
    push?: number;
    env?: Record<string, string>;
    /** Gateway settings that name the gateways' own addresses (NATTER_WEB_GATEWAYS), from their ports. */
    gatewayEnv?: (ports: number[]) => Record<string, string>;
  } = {},
) {
  const [nats, redis, pg] = await Promise.all([startNats(), startRedis(), startPostgres()]);
  const databaseUrl = await pg.createDatabase();
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    NATTER_JWT_SECRET: JWT_SECRET,
    NATTER_API_KEY: API_KEY,
    NATTER_GATEWAY_HEARTBEAT_MS: '500',
    NATTER_REQUEST_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
    // Every test client comes from 127.0.0.1; the per-address limits (connections, HTTP API)
    // are tested on their own (test/limits.int.test.ts).
    NATTER_MAX_CONNECTIONS_PER_IP: '100000',
    NATTER_HTTP_RATE_PER_SEC: '100000',
    NATTER_HTTP_RATE_BURST: '100000',
    ...opts.env,
  };
  const services: Cluster['services'] = { history: [], rooms: [], presence: [], hooks: [], push: [] };
  const health: Cluster['health'] = { history: [], rooms: [], presence: [], hooks: [], push: [] };
  for (const name of ['history', 'rooms', 'presence', 'hooks', 'push'] as const) {
    const count =
      name === 'hooks' ? (opts.hooks ?? 0) : name === 'push' ? (opts.push ?? 0) : (opts.instances ?? 1);
    for (let i = 0; i < count; i++) {
      const httpPort = await freePort();
      health[name].push(`http://127.0.0.1:${httpPort}`);
      services[name].push(
        await startProcess({
          name: `${name}-${i + 1}`,
          entry: `${ROOT}services/${name}/src/main.ts`,
          env: { ...env, HTTP_PORT: String(httpPort) },
          readyUrl: `http://127.0.0.1:${httpPort}/readyz`,
        }),
      );
    }
  }
  const gateways: Cluster['gateways'] = [];
  const startGateway = async (port: number, gwEnv: Record<string, string>) => {
    const id = `gw-${gateways.length + 1}`;
    const httpPort = await freePort();
    const proc = await startProcess({
      name: id,
      entry: `${ROOT}services/gateway/src/main.ts`,
      env: { ...gwEnv, PORT: String(port), HTTP_PORT: String(httpPort), GATEWAY_ID: id },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    const gw = {
      id,
      port,
      url: `ws://127.0.0.1:${port}/ws`,
      http: `http://127.0.0.1:${port}`,
      metrics: `http://127.0.0.1:${httpPort}`,
      proc,
    };
    gateways.push(gw);
    return gw;
  };
  const ports: number[] = [];
  while (ports.length < (opts.gateways ?? 2)) {
    // Taken before any gateway listens, so one port must not come back twice.
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const gatewayEnv = { ...env, ...opts.gatewayEnv?.(ports) };
  for (const port of ports) await startGateway(port, gatewayEnv);
  const cluster: Cluster = {
    nats,
    redis,
    pg,
    databaseUrl,
    gateways,
    services,
    health,
    env,
    async addGateway(extra = {}) {
      return startGateway(await freePort(), { ...env, ...extra });
    },
    async stop() {
      await Promise.allSettled([...gateways.map((g) => g.proc.kill('SIGTERM'))]);
      await Promise.allSettled(
        Object.values(services)
          .flat()
          .map((p) => p.kill('SIGTERM')),
      );
      await Promise.allSettled([nats.stop(), redis.stop(), pg.stop()]);
    },
  };
  return cluster;
}
