import type { Config } from '@natter/config';

/** What the start banner reports: the running node's facts, not just its configuration. */
export interface BannerFacts {
  port: number;
  /** The operators' port (HTTP_PORT), when set. */
  httpPort: number | undefined;
  webDir: string | undefined;
  /** Where the embedded Postgres keeps its data; undefined: DATABASE_URL. */
  embeddedData: string | undefined;
}

/** Which keys verify tokens, in words (docs/auth.md). */
export function authWords(
  config: Pick<Config, 'authMode' | 'jwtSecret' | 'jwtPublicKey' | 'jwksUrl'>,
): string {
  if (config.authMode === 'open') return 'open mode: anyone signs in by name (development only)';
  const keys = [
    config.jwtSecret ? 'HS256 secret' : '',
    config.jwtPublicKey ? 'RS256/ES256 public key' : '',
    config.jwksUrl ? `JWKS ${config.jwksUrl}` : '',
  ].filter(Boolean);
  return `keyed: tokens verified with ${keys.join(' + ') || 'no key'} (docs/auth.md)`;
}

/** Host and database of a URL, without its credentials. */
function where(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * The lines `npm start` prints once it serves: how to reach it, who may sign in, whether
 * the server API is on, and where the data lives. On stderr, beside the open-mode box, so
 * that stdout stays the log.
 */
export function startBanner(config: Config, facts: BannerFacts): string {
  const base = `http://localhost:${facts.port}`;
  const rows: [string, string][] = [
    ['web client', facts.webDir ? `${base}/` : 'none built (npm run build:web, or set NATTER_WEB_DIR)'],
    ['WebSocket', `ws://localhost:${facts.port}/ws`],
    ['HTTP API', `${base}/v1/  (${base}/v1/openapi.json, protocol: ${base}/v1/asyncapi.json)`],
    ['auth', authWords(config)],
    [
      'server API',
      config.apiKey
        ? 'on: POST /v1/messages with NATTER_API_KEY'
        : 'off (set NATTER_API_KEY to post as any user)',
    ],
    [
      'data',
      facts.embeddedData
        ? `embedded Postgres in ${facts.embeddedData}`
        : `Postgres at ${where(config.databaseUrl ?? '')}`,
    ],
    ['bus', config.natsUrl ? `NATS ${config.natsUrl.split(',').map(where).join(', ')}` : 'in-process'],
    ['presence', config.redisUrl ? `Redis ${where(config.redisUrl)}` : 'in memory'],
    ['metrics', facts.httpPort ? `http://localhost:${facts.httpPort}/metrics` : 'on HTTP_PORT when set'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `\n  natter is up: ${base}\n${rows.map(([k, v]) => `    ${k.padEnd(width)}  ${v}`).join('\n')}\n\n`;
}
