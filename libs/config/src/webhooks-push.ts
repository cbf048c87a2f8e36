import { DEFAULTS } from './defaults.ts';
import { ConfigError, type Env, endpoint, list, str } from './env.ts';
import type { Config } from './index.ts';

/** Where events leave Natter: webhook URLs and their secret, Web Push and APNs credentials. */

const MAX_WEBHOOK_URLS = 20;

/** `NATTER_WEBHOOK_URLS`: up to 20 distinct http(s) URLs. */
export function webhookUrls(raw: string | undefined): string[] {
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
export function webhookSecret(raw: string | undefined, urls: string | undefined): string | undefined {
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

const B64URL_RE = /^[A-Za-z0-9_-]+$/;

/** NATTER_VAPID_*: both keys or neither, base64url (65-byte public, 32-byte private). */
export function vapid(env: Env): Pick<Config, 'vapidPublicKey' | 'vapidPrivateKey' | 'vapidSubject'> {
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
export function apns(
  env: Env,
): Pick<Config, 'apnsKey' | 'apnsKeyId' | 'apnsTeamId' | 'apnsTopic' | 'apnsEndpoint'> {
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
