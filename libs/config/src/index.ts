import path from 'node:path';
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
  /** Lets a scraper read the gateway's `/metrics` on its public port (PORT) with this bearer token. */
  metricsToken: string | undefined;
  gatewayId: string | undefined;
  logLevel: string;
  /** `pretty` (for people) or `json` (for log shippers); undefined: pretty on a terminal, else JSON. */
  logFormat: 'pretty' | 'json' | undefined;
  /** NATTER_WEB_DIR, absolute: relative to the directory the command ran in (INIT_CWD under npm). */
  webDir: string | undefined;
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
  /** Largest upload (`POST /v1/uploads`) in bytes; a larger one is `too_large` (413). */
  maxUploadBytes: number;
  /** Bytes one user may upload in any 24 hours, counted in Postgres (so across gateways). */
  uploadBytesPerDay: number;
  /** Uploads one user may have in progress at once on one gateway. */
  uploadsInFlightPerUser: number;
  /** An upload no stored message references is deleted once it is this old. */
  uploadOrphanHours: number;
  /** How often each history instance sweeps orphan uploads. */
  uploadSweepIntervalMs: number;
  /** The event log keeps events this long (pruned by the hooks service). */
  eventsRetentionHours: number;
  /** How often each hooks instance prunes the event log past its retention. */
  eventsPruneIntervalMs: number;
  /** Where the hooks service POSTs the event log; empty: no delivery. */
  webhookUrls: string[];
  /** Signs deliveries (Standard Webhooks): `whsec_` + base64 of 24 to 64 bytes. */
  webhookSecret: string | undefined;
  /** The event types delivered; undefined: all. */
  webhookEvents: string[] | undefined;
  /** No answer in this long is a failed attempt. */
  webhookTimeoutMs: number;
  /** The first retry's delay; the later ones are multiples of it (about 5 s, 30 s, 2 min, 10 min, 1 h, hourly). */
  webhookBackoffMs: number;
  /** How often each hooks instance looks for new events (and for a free URL). */
  webhookPollMs: number;
  /** How long a message waits for a `received` from one of the recipient's sessions before it is pushed. */
  pushDelayMs: number;
  /** NATTER_PUSH_WEBHOOK=true: log push.needed for every decision instead of sending. */
  pushWebhook: boolean;
  /** How often the push service reads the event log and its due pushes. */
  pushPollMs: number;
  /** Web Push (VAPID) key pair, base64url (`npm run natter -- vapid`); both or neither. */
  vapidPublicKey: string | undefined;
  vapidPrivateKey: string | undefined;
  /** The VAPID contact (mailto: or https:) push services may write to. */
  vapidSubject: string;
  /** FCM service-account JSON: the JSON itself or a file path. */
  fcmCredentials: string | undefined;
  fcmEndpoint: string;
  /** The OAuth token endpoint; undefined: the credentials' token_uri. */
  fcmTokenUrl: string | undefined;
  /** APNs token auth: the .p8 key (PEM or a file path), its key id, the team id, the app's topic. */
  apnsKey: string | undefined;
  apnsKeyId: string | undefined;
  apnsTeamId: string | undefined;
  apnsTopic: string | undefined;
  apnsEndpoint: string;
  /** JWKS that verifies RS256/ES256 tokens: an http(s) URL, a file:// URL or a file path. */
  jwksUrl: string | undefined;
  /** How long an unknown `kid` waits before the remote JWKS is fetched again. */
  jwksCooldownMs: number;
  /** Required `aud` of client tokens, when set. */
  jwtAudience: string | undefined;
  /** Required `iss` of client tokens, when set. */
  jwtIssuer: string | undefined;
  /** Browser origins allowed to open a WebSocket; unset allows any. */
  allowedOrigins: string[] | undefined;
  /**
   * Whether a message may carry attachment URLs other than this server's own uploads: each
   * reader's client that loads one tells the URL's host it read the message.
   */
  remoteAttachments: boolean;
  /** Gateway origins (`wss://gw2.example.com`) the web client may take from `?ws=` besides its own. */
  webGateways: string[];
  /** Per-connection token bucket for every request: refill per second and size. */
  rateRequestsPerSec: number;
  rateRequestsBurst: number;
  /** Per-connection token bucket for `send`. */
  rateSendsPerSec: number;
  rateSendsBurst: number;
  /** Per-connection token bucket for `typing` (past it, typing without id is dropped). */
  rateTypingPerSec: number;
  rateTypingBurst: number;
  /** Per client address token bucket for the HTTP API (`/v1/*`): refill per second and size. */
  httpRatePerSec: number;
  httpRateBurst: number;
  /** This many rate-limit rejections within the window close the connection with 4008. */
  rateAbuseRejections: number;
  rateAbuseWindowMs: number;
  /** `send`s one user may make per minute (across gateways when REDIS_URL is set). */
  userSendsPerMin: number;
  /** WebSocket connections one client address may hold on one gateway. */
  maxConnectionsPerIp: number;
  /** Sessions one user may hold on one gateway. */
  maxSessionsPerUser: number;
  /** Proxies in front of the gateway whose X-Forwarded-For entry is trusted (0: none). */
  trustProxyHops: number;
  /** How often a gateway checks the memberships it delivers by against the rooms service. */
  membershipCheckSec: number;
  /** How often a gateway compares its conversations' positions with history's (and after every reconnect). */
  positionCheckSec: number;
  /** Live events a gateway holds for one session while it syncs; past it the session is closed as slow. */
  maxPendingEvents: number;
  /** How long rooms and history trust a cached room roster without a `roomsChanged` event. */
  rosterTtlMs: number;
  /** Most room rosters one rooms or history instance caches. */
  rosterCacheRooms: number;
  /** How often rooms and history ping their database for `/readyz` while no request comes in. */
  backendProbeMs: number;
  /** Backend-hitting requests (hello, join, history...) one gateway runs at once; the rest wait. */
  admissionInFlight: number;
  /** Requests that may wait for one of those places; past it a request gets `unavailable` at once. */
  admissionQueue: number;
  /** Longest a request waits for a place before it gets `unavailable` with `retryAfter`. */
  admissionWaitMs: number;
  /** Connections waiting (queued requests plus connections that have not sent hello) past which an upgrade gets 503. */
  admissionUpgradeLimit: number;
  /** Users whose rooms and conversations one batched hello lookup fetches at most. */
  helloBatchMax: number;
  /** Sessions per second a cluster should take back from one dropped gateway; `bye` tells clients to spread over sessions / rate. */
  reconnectRate: number;
  /** Requests one rooms or history instance works on at once; past it they are answered `unavailable` at once. */
  serviceMaxInFlight: number;
  /** Postgres connections one rooms or history instance opens at most. */
  dbPoolMax: number;
  /** Past this many members, a room's joins and leaves are not announced to its members (`joined`/`left`). */
  roomAnnounceMax: number;
  /**
   * `open`: anyone signs in as anyone (NATTER_AUTH=open; the single-node launcher's default).
   * `keyed`: tokens are verified with NATTER_JWT_SECRET / _PUBLIC_KEY / NATTER_JWKS_URL.
   * Undefined: neither was configured; a standalone gateway refuses to start.
   */
  authMode: 'open' | 'keyed' | undefined;
  /** Longest token lifetime accepted (`exp - iat`, or `exp - now` without `iat`), in seconds. */
  jwtMaxAgeSec: number;
  /** How long after sending its author may edit a message, in seconds; 0: no limit. */
  editWindowSec: number;
}

/** Shortest HS256 secret accepted, in bytes (RFC 7518 3.2: at least the hash size). */
export const MIN_JWT_SECRET_BYTES = 32;

export const DEFAULTS = {
  PORT: '8080',
  NATTER_EDIT_WINDOW_S: '0',
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
  NATTER_MAX_UPLOAD_BYTES: '10485760',
  NATTER_UPLOAD_BYTES_PER_DAY: '209715200',
  NATTER_UPLOADS_IN_FLIGHT_PER_USER: '3',
  NATTER_UPLOAD_ORPHAN_HOURS: '24',
  NATTER_UPLOAD_SWEEP_INTERVAL_MS: '600000',
  NATTER_EVENTS_RETENTION_HOURS: '72',
  NATTER_EVENTS_PRUNE_INTERVAL_MS: '600000',
  NATTER_WEBHOOK_TIMEOUT_MS: '10000',
  NATTER_WEBHOOK_BACKOFF_MS: '5000',
  NATTER_WEBHOOK_POLL_MS: '250',
  NATTER_JWKS_COOLDOWN_MS: '30000',
  NATTER_RATE_REQUESTS_PER_SEC: '50',
  NATTER_RATE_REQUESTS_BURST: '1000',
  NATTER_RATE_SENDS_PER_SEC: '10',
  NATTER_RATE_SENDS_BURST: '500',
  NATTER_RATE_TYPING_PER_SEC: '2',
  NATTER_RATE_TYPING_BURST: '5',
  NATTER_HTTP_RATE_PER_SEC: '20',
  NATTER_HTTP_RATE_BURST: '100',
  NATTER_RATE_ABUSE_REJECTIONS: '50',
  NATTER_RATE_ABUSE_WINDOW_MS: '10000',
  NATTER_USER_SENDS_PER_MIN: '600',
  NATTER_MAX_CONNECTIONS_PER_IP: '200',
  NATTER_MAX_SESSIONS_PER_USER: '20',
  NATTER_TRUST_PROXY_HOPS: '0',
  NATTER_MEMBERSHIP_CHECK_SEC: '30',
  NATTER_POSITION_CHECK_SEC: '10',
  NATTER_MAX_PENDING_EVENTS: '10000',
  NATTER_ROSTER_TTL_MS: '30000',
  NATTER_ROSTER_CACHE_ROOMS: '10000',
  NATTER_BACKEND_PROBE_MS: '2000',
  NATTER_ADMISSION_IN_FLIGHT: '256',
  NATTER_ADMISSION_QUEUE: '4000',
  NATTER_ADMISSION_WAIT_MS: '4000',
  NATTER_ADMISSION_UPGRADE_LIMIT: '8000',
  NATTER_HELLO_BATCH_MAX: '200',
  NATTER_RECONNECT_RATE: '1000',
  NATTER_SERVICE_MAX_IN_FLIGHT: '2000',
  NATTER_DB_POOL_MAX: '10',
  NATTER_ROOM_ANNOUNCE_MAX: '1000',
  NATTER_JWT_MAX_AGE_S: '86400',
  NATTER_REMOTE_ATTACHMENTS: 'off',
  NATTER_PUSH_DELAY_MS: '3000',
  NATTER_PUSH_WEBHOOK: 'false',
  NATTER_PUSH_POLL_MS: '250',
  NATTER_VAPID_SUBJECT: 'mailto:admin@localhost',
  NATTER_FCM_ENDPOINT: 'https://fcm.googleapis.com',
  NATTER_APNS_ENDPOINT: 'https://api.push.apple.com',
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

/** A JWKS location: an http(s):// or file:// URL, or a file path. */
function jwksLocation(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (/^https?:\/\//.test(raw) || raw.startsWith('file://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a URL`);
    }
    return raw;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} must be an http(s):// or file:// URL or a file path`,
    );
  }
  return raw;
}

/**
 * A bearer secret that guards a route on a public port, where anyone may try it: long
 * enough not to be guessed, and without whitespace (`Authorization: Bearer <secret>`).
 */
function bearerSecret(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^\S{16,}$/.test(raw)) {
    throw new ConfigError(
      `${name}: must be at least 16 characters without spaces (e.g. openssl rand -hex 32)`,
    );
  }
  return raw;
}

/**
 * Comma-separated origins, each a scheme and host (`https://chat.example.com`), with a
 * scheme out of `schemes` when it is given.
 */
function origins(name: string, raw: string | undefined, schemes?: string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  for (const o of list) {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new ConfigError(`${name}: ${JSON.stringify(o)} is not an origin like https://chat.example.com`);
    }
    if (schemes && !schemes.includes(u.protocol.slice(0, -1))) {
      throw new ConfigError(`${name}: ${JSON.stringify(o)} must use ${schemes.join(' or ')}://`);
    }
    if (u.origin !== o) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(o)} is not an origin (write it as ${JSON.stringify(u.origin)})`,
      );
    }
  }
  return list;
}

/** A comma-separated list, blanks dropped; undefined when unset or blank. */
function list(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  return items.length ? [...new Set(items)] : undefined;
}

const MAX_WEBHOOK_URLS = 20;

/** `NATTER_WEBHOOK_URLS`: up to 20 distinct http(s) URLs. */
function webhookUrls(raw: string | undefined): string[] {
  const urls = list(raw) ?? [];
  if (urls.length > MAX_WEBHOOK_URLS) {
    throw new ConfigError(`NATTER_WEBHOOK_URLS: ${urls.length} URLs, at most ${MAX_WEBHOOK_URLS}`);
  }
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new ConfigError(`NATTER_WEBHOOK_URLS: ${JSON.stringify(u)} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`NATTER_WEBHOOK_URLS: ${JSON.stringify(u)} must use http:// or https://`);
    }
    if (u.length > 2000) throw new ConfigError('NATTER_WEBHOOK_URLS: a URL is longer than 2000 characters');
  }
  return urls;
}

/** `NATTER_WEBHOOK_SECRET`: `whsec_` + base64 of 24-64 bytes; required with URLs. */
function webhookSecret(raw: string | undefined, urls: string | undefined): string | undefined {
  if (raw === undefined) {
    if (list(urls))
      throw new ConfigError('NATTER_WEBHOOK_URLS needs NATTER_WEBHOOK_SECRET (whsec_ + base64)');
    return undefined;
  }
  const b64 = raw.startsWith('whsec_') ? raw.slice(6) : undefined;
  const bytes =
    b64 !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64').length : 0;
  if (bytes < 24 || bytes > 64) {
    throw new ConfigError(
      'NATTER_WEBHOOK_SECRET must be whsec_ + base64 of 24 to 64 random bytes (try: echo whsec_$(openssl rand -base64 32))',
    );
  }
  return raw;
}

/** `true` or `false`. */
function bool(env: Env, name: 'NATTER_PUSH_WEBHOOK'): boolean {
  const raw = str(env, name) ?? DEFAULTS[name];
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be true or false`);
  return raw === 'true';
}

/** An http(s) URL without a trailing slash (http: lets tests point at a local server). */
function endpoint(
  env: Env,
  name: 'NATTER_FCM_ENDPOINT' | 'NATTER_APNS_ENDPOINT' | 'NATTER_FCM_TOKEN_URL',
): string {
  const raw = str(env, name) ?? (DEFAULTS as Record<string, string>)[name];
  let u: URL | undefined;
  try {
    u = raw === undefined ? undefined : new URL(raw);
  } catch {}
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an http(s) URL`);
  return raw!.replace(/\/+$/, '');
}

const B64URL_RE = /^[A-Za-z0-9_-]+$/;

/** NATTER_VAPID_*: both keys or neither, base64url (65-byte public, 32-byte private). */
function vapid(env: Env): Pick<Config, 'vapidPublicKey' | 'vapidPrivateKey' | 'vapidSubject'> {
  const publicKey = str(env, 'NATTER_VAPID_PUBLIC_KEY');
  const privateKey = str(env, 'NATTER_VAPID_PRIVATE_KEY');
  if ((publicKey === undefined) !== (privateKey === undefined))
    throw new ConfigError(
      'NATTER_VAPID_PUBLIC_KEY and NATTER_VAPID_PRIVATE_KEY go together (npm run natter -- vapid makes a pair)',
    );
  if (
    publicKey !== undefined &&
    (!B64URL_RE.test(publicKey) || Buffer.from(publicKey, 'base64url').length !== 65)
  )
    throw new ConfigError('NATTER_VAPID_PUBLIC_KEY must be the base64url of a 65-byte P-256 public key');
  if (
    privateKey !== undefined &&
    (!B64URL_RE.test(privateKey) || Buffer.from(privateKey, 'base64url').length !== 32)
  )
    throw new ConfigError('NATTER_VAPID_PRIVATE_KEY must be the base64url of a 32-byte P-256 private key');
  const vapidSubject = str(env, 'NATTER_VAPID_SUBJECT') ?? DEFAULTS.NATTER_VAPID_SUBJECT;
  if (!/^(mailto:|https:\/\/)\S+$/.test(vapidSubject))
    throw new ConfigError(
      `NATTER_VAPID_SUBJECT=${JSON.stringify(vapidSubject)} must be a mailto: or https:// contact`,
    );
  return { vapidPublicKey: publicKey, vapidPrivateKey: privateKey, vapidSubject };
}

/** NATTER_APNS_*: the key, key id, team id and topic all set, or none. */
function apns(env: Env): Pick<Config, 'apnsKey' | 'apnsKeyId' | 'apnsTeamId' | 'apnsTopic' | 'apnsEndpoint'> {
  const given = {
    NATTER_APNS_KEY: str(env, 'NATTER_APNS_KEY'),
    NATTER_APNS_KEY_ID: str(env, 'NATTER_APNS_KEY_ID'),
    NATTER_APNS_TEAM_ID: str(env, 'NATTER_APNS_TEAM_ID'),
    NATTER_APNS_TOPIC: str(env, 'NATTER_APNS_TOPIC'),
  };
  const names = Object.keys(given) as (keyof typeof given)[];
  const missing = names.filter((n) => given[n] === undefined);
  if (missing.length > 0 && missing.length < names.length)
    throw new ConfigError(`APNs needs all of ${names.join(', ')}; missing ${missing.join(', ')}`);
  return {
    apnsKey: given.NATTER_APNS_KEY,
    apnsKeyId: given.NATTER_APNS_KEY_ID,
    apnsTeamId: given.NATTER_APNS_TEAM_ID,
    apnsTopic: given.NATTER_APNS_TOPIC,
    apnsEndpoint: endpoint(env, 'NATTER_APNS_ENDPOINT'),
  };
}

/** `NATTER_REMOTE_ATTACHMENTS`: `allow` or `off`. */
function remoteAttachments(env: Env): boolean {
  const raw = str(env, 'NATTER_REMOTE_ATTACHMENTS') ?? DEFAULTS.NATTER_REMOTE_ATTACHMENTS;
  if (raw !== 'allow' && raw !== 'off') {
    throw new ConfigError(`NATTER_REMOTE_ATTACHMENTS=${JSON.stringify(raw)} must be allow or off`);
  }
  return raw === 'allow';
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
  const logFormat = str(env, 'LOG_FORMAT');
  if (logFormat !== undefined && logFormat !== 'pretty' && logFormat !== 'json') {
    throw new ConfigError(`LOG_FORMAT=${JSON.stringify(logFormat)} must be pretty or json`);
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
    metricsToken: bearerSecret('NATTER_METRICS_TOKEN', str(env, 'NATTER_METRICS_TOKEN')),
    gatewayId,
    logLevel,
    logFormat,
    webDir: webDir(str(env, 'NATTER_WEB_DIR'), str(env, 'INIT_CWD')),
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
    maxUploadBytes: int(env, 'NATTER_MAX_UPLOAD_BYTES', 1, 1024 * 1024 * 1024),
    uploadBytesPerDay: int(env, 'NATTER_UPLOAD_BYTES_PER_DAY', 1, Number.MAX_SAFE_INTEGER),
    uploadsInFlightPerUser: int(env, 'NATTER_UPLOADS_IN_FLIGHT_PER_USER', 1, 1000),
    // At least 24: the quota's window is 24 hours and counts stored uploads, so deleting
    // orphans sooner would hand their bytes back to the quota within the same day.
    uploadOrphanHours: int(env, 'NATTER_UPLOAD_ORPHAN_HOURS', 24, 24 * 3650),
    uploadSweepIntervalMs: int(env, 'NATTER_UPLOAD_SWEEP_INTERVAL_MS', 100, 86_400_000),
    eventsRetentionHours: int(env, 'NATTER_EVENTS_RETENTION_HOURS', 1, 24 * 3650),
    eventsPruneIntervalMs: int(env, 'NATTER_EVENTS_PRUNE_INTERVAL_MS', 100, 86_400_000),
    webhookUrls: webhookUrls(str(env, 'NATTER_WEBHOOK_URLS')),
    webhookSecret: webhookSecret(str(env, 'NATTER_WEBHOOK_SECRET'), str(env, 'NATTER_WEBHOOK_URLS')),
    webhookEvents: list(str(env, 'NATTER_WEBHOOK_EVENTS')),
    webhookTimeoutMs: int(env, 'NATTER_WEBHOOK_TIMEOUT_MS', 10, 600_000),
    webhookBackoffMs: int(env, 'NATTER_WEBHOOK_BACKOFF_MS', 1, 3_600_000),
    webhookPollMs: int(env, 'NATTER_WEBHOOK_POLL_MS', 10, 60_000),
    pushDelayMs: int(env, 'NATTER_PUSH_DELAY_MS', 0, 3_600_000),
    pushWebhook: bool(env, 'NATTER_PUSH_WEBHOOK'),
    pushPollMs: int(env, 'NATTER_PUSH_POLL_MS', 10, 60_000),
    ...vapid(env),
    fcmCredentials: str(env, 'NATTER_FCM_CREDENTIALS'),
    fcmEndpoint: endpoint(env, 'NATTER_FCM_ENDPOINT'),
    fcmTokenUrl: str(env, 'NATTER_FCM_TOKEN_URL') && endpoint(env, 'NATTER_FCM_TOKEN_URL'),
    ...apns(env),
    jwksUrl: jwksLocation('NATTER_JWKS_URL', str(env, 'NATTER_JWKS_URL')),
    jwksCooldownMs: int(env, 'NATTER_JWKS_COOLDOWN_MS', 0, 3_600_000),
    jwtAudience: str(env, 'NATTER_JWT_AUDIENCE'),
    jwtIssuer: str(env, 'NATTER_JWT_ISSUER'),
    allowedOrigins: origins('NATTER_ALLOWED_ORIGINS', str(env, 'NATTER_ALLOWED_ORIGINS')),
    remoteAttachments: remoteAttachments(env),
    webGateways: origins('NATTER_WEB_GATEWAYS', str(env, 'NATTER_WEB_GATEWAYS'), ['ws', 'wss']) ?? [],
    rateRequestsPerSec: int(env, 'NATTER_RATE_REQUESTS_PER_SEC', 1, 1_000_000),
    rateRequestsBurst: int(env, 'NATTER_RATE_REQUESTS_BURST', 1, 1_000_000),
    rateSendsPerSec: int(env, 'NATTER_RATE_SENDS_PER_SEC', 1, 1_000_000),
    rateSendsBurst: int(env, 'NATTER_RATE_SENDS_BURST', 1, 1_000_000),
    rateTypingPerSec: int(env, 'NATTER_RATE_TYPING_PER_SEC', 1, 1_000_000),
    rateTypingBurst: int(env, 'NATTER_RATE_TYPING_BURST', 1, 1_000_000),
    httpRatePerSec: int(env, 'NATTER_HTTP_RATE_PER_SEC', 1, 1_000_000),
    httpRateBurst: int(env, 'NATTER_HTTP_RATE_BURST', 1, 1_000_000),
    rateAbuseRejections: int(env, 'NATTER_RATE_ABUSE_REJECTIONS', 1, 1_000_000),
    rateAbuseWindowMs: int(env, 'NATTER_RATE_ABUSE_WINDOW_MS', 100, 3_600_000),
    userSendsPerMin: int(env, 'NATTER_USER_SENDS_PER_MIN', 1, 100_000_000),
    maxConnectionsPerIp: int(env, 'NATTER_MAX_CONNECTIONS_PER_IP', 1, 10_000_000),
    maxSessionsPerUser: int(env, 'NATTER_MAX_SESSIONS_PER_USER', 1, 1_000_000),
    trustProxyHops: int(env, 'NATTER_TRUST_PROXY_HOPS', 0, 10),
    membershipCheckSec: int(env, 'NATTER_MEMBERSHIP_CHECK_SEC', 1, 3600),
    positionCheckSec: int(env, 'NATTER_POSITION_CHECK_SEC', 1, 3600),
    maxPendingEvents: int(env, 'NATTER_MAX_PENDING_EVENTS', 1, 10_000_000),
    rosterTtlMs: int(env, 'NATTER_ROSTER_TTL_MS', 0, 3_600_000),
    rosterCacheRooms: int(env, 'NATTER_ROSTER_CACHE_ROOMS', 1, 10_000_000),
    backendProbeMs: int(env, 'NATTER_BACKEND_PROBE_MS', 10, 600_000),
    admissionInFlight: int(env, 'NATTER_ADMISSION_IN_FLIGHT', 1, 1_000_000),
    admissionQueue: int(env, 'NATTER_ADMISSION_QUEUE', 0, 10_000_000),
    admissionWaitMs: int(env, 'NATTER_ADMISSION_WAIT_MS', 10, 600_000),
    admissionUpgradeLimit: int(env, 'NATTER_ADMISSION_UPGRADE_LIMIT', 1, 10_000_000),
    helloBatchMax: int(env, 'NATTER_HELLO_BATCH_MAX', 1, 500),
    reconnectRate: int(env, 'NATTER_RECONNECT_RATE', 1, 10_000_000),
    serviceMaxInFlight: int(env, 'NATTER_SERVICE_MAX_IN_FLIGHT', 1, 10_000_000),
    dbPoolMax: int(env, 'NATTER_DB_POOL_MAX', 1, 1000),
    roomAnnounceMax: int(env, 'NATTER_ROOM_ANNOUNCE_MAX', 0, 100_000_000),
    authMode: authMode(env),
    jwtMaxAgeSec: int(env, 'NATTER_JWT_MAX_AGE_S', 60, 365 * 86400),
    editWindowSec: int(env, 'NATTER_EDIT_WINDOW_S', 0, 10 * 365 * 86400),
  };
}

/**
 * Open mode must be asked for: NATTER_AUTH=open with no key, or a key with NATTER_AUTH unset
 * (or `keyed`). A key shorter than MIN_JWT_SECRET_BYTES, or open mode beside a key, is a
 * configuration error, not a guess.
 */
/**
 * `npm run start -w @natter/gateway` runs in the package's folder; npm says in INIT_CWD where
 * the person typed it, and that is what a relative NATTER_WEB_DIR means.
 */
function webDir(given: string | undefined, initCwd: string | undefined): string | undefined {
  return given === undefined ? undefined : path.resolve(initCwd ?? process.cwd(), given);
}

function authMode(env: Env): Config['authMode'] {
  const auth = str(env, 'NATTER_AUTH');
  if (auth !== undefined && auth !== 'open' && auth !== 'keyed') {
    throw new ConfigError(`NATTER_AUTH=${JSON.stringify(auth)} must be "open" or "keyed"`);
  }
  const secret = str(env, 'NATTER_JWT_SECRET');
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(
      `NATTER_JWT_SECRET is ${Buffer.byteLength(secret)} bytes; an HS256 secret must be at least ${MIN_JWT_SECRET_BYTES} (try: openssl rand -base64 48)`,
    );
  }
  const keyed = [secret, str(env, 'NATTER_JWT_PUBLIC_KEY'), str(env, 'NATTER_JWKS_URL')].some(
    (v) => v !== undefined,
  );
  if (auth === 'open' && keyed) {
    throw new ConfigError(
      'NATTER_AUTH=open but a key is set (NATTER_JWT_SECRET, NATTER_JWT_PUBLIC_KEY or NATTER_JWKS_URL): choose one',
    );
  }
  if (auth === 'keyed' && !keyed) {
    throw new ConfigError(
      'NATTER_AUTH=keyed needs NATTER_JWT_SECRET, NATTER_JWT_PUBLIC_KEY or NATTER_JWKS_URL',
    );
  }
  if (keyed) return 'keyed';
  return auth === 'open' ? 'open' : undefined;
}

/** For a gateway started alone: open mode only when asked for (the single-node launcher defaults to it). */
export function requireAuthChoice(config: Pick<Config, 'authMode'>): void {
  if (config.authMode === undefined) {
    throw new ConfigError(
      'no authentication configured: set NATTER_JWT_SECRET (32+ bytes), NATTER_JWT_PUBLIC_KEY or NATTER_JWKS_URL to verify tokens, or NATTER_AUTH=open to let anyone sign in as anyone (development only)',
    );
  }
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

/** The configuration of an empty environment: every default, for callers given no Config (tools, tests). */
export const defaultConfig = (): Config => loadConfig({});

export * from './slices.ts';
