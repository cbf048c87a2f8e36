/**
 * Configuration from the environment, parsed once at start. Every default lives in
 * DEFAULTS below (and in docs/configuration.md, which test/config-docs.test.ts keeps in
 * step with it). A bad value throws ConfigError naming the variable; main.ts prints it
 * and exits.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  port: number;
  httpPort: number | undefined;
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  namespace: string;
  jwtSecret: string | undefined;
  jwtPublicKey: string | undefined;
  apiKey: string | undefined;
  gatewayId: string | undefined;
  logLevel: string;
  /** Bus request timeout; a request that takes longer answers `unavailable`. */
  requestTimeoutMs: number;
  /** How often a gateway announces itself to presence; it is dead after 3 missed. */
  gatewayHeartbeatMs: number;
  /** WebSocket ping interval, in seconds, told to clients in `hello`. */
  heartbeatSec: number;
  helloTimeoutMs: number;
  maxFrameBytes: number;
  maxTextChars: number;
  /** How long a gateway holds an early message before fetching the gap from history. */
  reorderWaitMs: number;
  /** Outgoing buffer limit per connection; past it the client is closed with 4009. */
  maxBufferedBytes: number;
  /** Lifetime of tokens issued in open mode. */
  tokenTtlSec: number;
  /** Rooms one user may be a member of; a join or create past it is `forbidden`. */
  maxRoomsPerUser: number;
  /** Members one room may have; a join past it is `forbidden`. */
  maxRoomMembers: number;
}

export const DEFAULTS = {
  PORT: '8080',
  DATA_DIR: './data',
  NATTER_NAMESPACE: 'natter',
  LOG_LEVEL: 'info',
  NATTER_REQUEST_TIMEOUT_MS: '3000',
  NATTER_GATEWAY_HEARTBEAT_MS: '3000',
  NATTER_HEARTBEAT_SEC: '25',
  NATTER_HELLO_TIMEOUT_MS: '10000',
  NATTER_MAX_FRAME_BYTES: '65536',
  NATTER_MAX_TEXT_CHARS: '4000',
  NATTER_REORDER_WAIT_MS: '250',
  NATTER_MAX_BUFFERED_BYTES: '4194304',
  NATTER_TOKEN_TTL_SEC: '86400',
  NATTER_MAX_ROOMS_PER_USER: '1000',
  NATTER_MAX_ROOM_MEMBERS: '100000',
} as const;

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = str(env, name) ?? DEFAULTS[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}`);
  }
  return n;
}

function optionalPort(env: Env, name: string): number | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a port number (0-65535)`);
  }
  return n;
}

function url(env: Env, name: string, schemes: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  for (const part of raw.split(',')) {
    let u: URL;
    try {
      u = new URL(part.trim());
    } catch {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a URL`);
    }
    if (!schemes.includes(u.protocol.slice(0, -1))) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must use ${schemes.join(' or ')}://`);
    }
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const namespace = str(env, 'NATTER_NAMESPACE') ?? DEFAULTS.NATTER_NAMESPACE;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(namespace)) {
    throw new ConfigError(`NATTER_NAMESPACE=${JSON.stringify(namespace)} must match ^[A-Za-z0-9_-]{1,32}$`);
  }
  const gatewayId = str(env, 'GATEWAY_ID');
  if (gatewayId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(gatewayId)) {
    throw new ConfigError(`GATEWAY_ID=${JSON.stringify(gatewayId)} must match ^[A-Za-z0-9_-]{1,64}$`);
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? DEFAULTS.LOG_LEVEL;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} is not a pino level`);
  }
  return {
    port: optionalPort(env, 'PORT') ?? Number(DEFAULTS.PORT),
    httpPort: optionalPort(env, 'HTTP_PORT'),
    natsUrl: url(env, 'NATS_URL', ['nats', 'tls', 'ws', 'wss']),
    redisUrl: url(env, 'REDIS_URL', ['redis', 'rediss']),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres', 'postgresql']),
    dataDir: str(env, 'DATA_DIR') ?? DEFAULTS.DATA_DIR,
    namespace,
    jwtSecret: str(env, 'NATTER_JWT_SECRET'),
    jwtPublicKey: str(env, 'NATTER_JWT_PUBLIC_KEY'),
    apiKey: str(env, 'NATTER_API_KEY'),
    gatewayId,
    logLevel,
    requestTimeoutMs: int(env, 'NATTER_REQUEST_TIMEOUT_MS', 50, 120_000),
    gatewayHeartbeatMs: int(env, 'NATTER_GATEWAY_HEARTBEAT_MS', 100, 60_000),
    heartbeatSec: int(env, 'NATTER_HEARTBEAT_SEC', 1, 3600),
    helloTimeoutMs: int(env, 'NATTER_HELLO_TIMEOUT_MS', 100, 600_000),
    maxFrameBytes: int(env, 'NATTER_MAX_FRAME_BYTES', 1024, 16 * 1024 * 1024),
    maxTextChars: int(env, 'NATTER_MAX_TEXT_CHARS', 1, 1_000_000),
    reorderWaitMs: int(env, 'NATTER_REORDER_WAIT_MS', 1, 60_000),
    maxBufferedBytes: int(env, 'NATTER_MAX_BUFFERED_BYTES', 1024, 1024 * 1024 * 1024),
    tokenTtlSec: int(env, 'NATTER_TOKEN_TTL_SEC', 60, 365 * 86400),
    maxRoomsPerUser: int(env, 'NATTER_MAX_ROOMS_PER_USER', 1, 1_000_000),
    maxRoomMembers: int(env, 'NATTER_MAX_ROOM_MEMBERS', 1, 100_000_000),
  };
}

/** For a service started alone: the URLs it cannot run without. */
export function requireUrls(config: Config, names: ('NATS_URL' | 'REDIS_URL' | 'DATABASE_URL')[]): void {
  const key = { NATS_URL: 'natsUrl', REDIS_URL: 'redisUrl', DATABASE_URL: 'databaseUrl' } as const;
  const missing = names.filter((n) => !config[key[n]]);
  if (missing.length) {
    throw new ConfigError(
      `${missing.join(', ')} must be set to run this service on its own (or run \`npm start\` for single-node mode)`,
    );
  }
}
