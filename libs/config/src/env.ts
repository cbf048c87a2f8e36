import { DEFAULTS } from './defaults.ts';

/** Parsers of one environment variable each: a bad value throws ConfigError naming it. */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function int(env: Env, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = str(env, name) ?? DEFAULTS[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}`);
  }
  return n;
}

export function optionalPort(env: Env, name: string): number | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a port number (0-65535)`);
  }
  return n;
}

export function url(env: Env, name: string, schemes: string[]): string | undefined {
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
export function jwksLocation(name: string, raw: string | undefined): string | undefined {
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
export function bearerSecret(name: string, raw: string | undefined): string | undefined {
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
export function origins(name: string, raw: string | undefined, schemes?: string[]): string[] | undefined {
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
export function list(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  return items.length ? [...new Set(items)] : undefined;
}

/** `true` or `false`. */
export function bool(env: Env, name: 'NATTER_PUSH_WEBHOOK'): boolean {
  const raw = str(env, name) ?? DEFAULTS[name];
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be true or false`);
  return raw === 'true';
}

/** An http(s) URL without a trailing slash (http: lets tests point at a local server). */
export function endpoint(
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
