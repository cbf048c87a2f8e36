import path from 'node:path';
import { DEFAULTS, MIN_JWT_SECRET_BYTES } from './defaults.ts';
import {
  bearerSecret,
  bool,
  ConfigError,
  type Env,
  endpoint,
  int,
  jwksLocation,
  list,
  optionalPort,
  origins,
  str,
  url,
} from './env.ts';
import { apns, vapid, webhookSecret, webhookUrls } from './webhooks-push.ts';

/**
 * Configuration from the environment, parsed once at start. Every default lives in
 * DEFAULTS (defaults.ts, and in docs/configuration.md, which test/config-docs.test.ts keeps
 * in step with it). A bad value throws ConfigError naming the variable; main.ts prints it
 * and exits.
 */
export { ConfigError, DEFAULTS, MIN_JWT_SECRET_BYTES };

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
  /** Connections the kernel holds for the gateway's public port until it accepts them (capped by net.core.somaxconn). */
  listenBacklog: number;
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
    listenBacklog: int(env, 'NATTER_LISTEN_BACKLOG', 1, 1_000_000),
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
