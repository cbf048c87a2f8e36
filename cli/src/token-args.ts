import { parseArgs } from 'node:util';
import { isUser } from '@natter/protocol';
import type { Env } from './args.ts';
import { UsageError } from './usage-error.ts';

/** `natter token`: what to sign, and with which key. */
export interface TokenInvocation {
  command: 'token';
  user: string;
  /** The HS256 secret (NATTER_JWT_SECRET), or a key file: PEM private key, private JWK, or a secret. */
  key:
    | { kind: 'secret'; secret: string }
    | { kind: 'file'; path: string }
    | { kind: 'open'; namespace: string };
  ttlSec: number;
  audience?: string;
  issuer?: string;
  kid?: string;
  json: boolean;
}

/** The gateway's bounds: NATTER_JWT_MAX_AGE_S is 60 s to 365 days, and 24 h by default. */
const MAX_TTL_SEC = 365 * 24 * 3600;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `3600`, `90s`, `30m`, `12h`, `7d` -> seconds. */
export function parseTtl(raw: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(raw);
  if (!m) return undefined;
  const sec = Number(m[1]) * UNITS[m[2] || 's']!;
  return sec >= 1 && sec <= MAX_TTL_SEC ? sec : undefined;
}

export function parseToken(args: string[], env: Env): TokenInvocation | { command: 'help'; topic: 'token' } {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        user: { type: 'string', short: 'u' },
        key: { type: 'string', short: 'k' },
        ttl: { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        kid: { type: 'string' },
        json: { type: 'boolean' },
        open: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), 'token', { cause: err });
  }
  if (values.help) return { command: 'help', topic: 'token' };
  if (positionals.length > 0) {
    throw new UsageError(`token takes no arguments, got ${JSON.stringify(positionals[0])}`, 'token');
  }
  const str = (v: string | boolean | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);
  const user = str(values.user);
  if (user === undefined) throw new UsageError("--user <name> is required: the token's sub", 'token');
  if (!isUser(user))
    throw new UsageError(`user ${JSON.stringify(user)} must match [A-Za-z0-9_.-]{1,64}`, 'token');
  const rawTtl = str(values.ttl) ?? '1h';
  const ttlSec = parseTtl(rawTtl);
  if (ttlSec === undefined) {
    throw new UsageError(
      `--ttl ${JSON.stringify(rawTtl)} is not a lifetime like 3600, 30m, 12h or 7d (at most 365d)`,
      'token',
    );
  }
  const file = str(values.key);
  const secret = str(env.NATTER_JWT_SECRET);
  let key: TokenInvocation['key'];
  if (values.open && file !== undefined) throw new UsageError('give --open or --key, not both', 'token');
  // Open-mode servers (npm start) accept tokens signed with their namespace's key.
  if (values.open) key = { kind: 'open', namespace: str(env.NATTER_NAMESPACE) ?? 'natter' };
  else if (file !== undefined) key = { kind: 'file', path: file };
  else if (secret !== undefined) {
    // The gateway refuses a shorter secret at start, so a token signed with one is no use.
    if (new TextEncoder().encode(secret).length < 32) {
      throw new UsageError('NATTER_JWT_SECRET is shorter than 32 bytes; the gateway refuses it', 'token');
    }
    key = { kind: 'secret', secret };
  } else {
    throw new UsageError(
      "no key: set NATTER_JWT_SECRET (the gateway's HS256 secret), give --key <file> (PEM or JWK private key), or --open for an open-mode server (npm start)",
      'token',
    );
  }
  const audience = str(values.aud) ?? str(env.NATTER_JWT_AUDIENCE);
  const issuer = str(values.iss) ?? str(env.NATTER_JWT_ISSUER);
  const kid = str(values.kid);
  return {
    command: 'token',
    user,
    key,
    ttlSec,
    ...(audience === undefined ? {} : { audience }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(kid === undefined ? {} : { kid }),
    json: values.json === true,
  };
}
