import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@natter/log';
import { isUser, NatterError, USER_RE } from '@natter/protocol';
import { openModeKey } from '@natter/protocol/open-mode';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  importSPKI,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

/**
 * Token verification for `hello`, `refresh` and the HTTP API.
 *
 * The token's own `alg` picks the key: HS256 is checked against NATTER_JWT_SECRET; RS256
 * and ES256 against NATTER_JWT_PUBLIC_KEY (PEM) and/or the JWKS of NATTER_JWKS_URL (by
 * `kid`). `alg: none` and every other algorithm are refused. With `audience` / `issuer`
 * set, tokens must carry them. Every token needs `exp`, at most `maxAgeSec` after its `iat`.
 * In open mode (asked for with NATTER_AUTH=open, or the single-node default), a
 * client names itself and gets a token signed with a key derived from the namespace, so
 * every open-mode gateway of one deployment accepts every other's tokens. Open mode is for
 * development; the gateway logs it loudly.
 */
export interface Identity {
  user: string;
  /** Seconds since the epoch, when the token stops being valid. */
  exp: number;
  token: string;
}

export interface AuthOptions {
  /** Open mode (anyone signs in as anyone): only when asked for (config `authMode`). */
  open: boolean;
  jwtSecret?: string;
  jwtPublicKey?: string;
  /** JWKS location: http(s):// URL (fetched, cached, refetched for an unknown kid), file:// URL or path (re-read on change). */
  jwksUrl?: string;
  /** After a JWKS fetch, how long an unknown kid waits before the next one (default 30 s). */
  jwksCooldownMs?: number;
  audience?: string;
  issuer?: string;
  namespace: string;
  tokenTtlSec: number;
  /** Longest accepted lifetime: `exp - iat` (or `exp - now` for a token without `iat`). */
  maxAgeSec: number;
  log?: Logger;
}

type Key = Uint8Array | CryptoKey;
type GetKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<Key>;

/** The key source of a token could not be reached (a JWKS URL down, a file unreadable). */
export class KeySourceUnavailable extends Error {
  override name = 'KeySourceUnavailable';
}

const ASYMMETRIC = ['RS256', 'ES256'];

export class Authenticator {
  readonly openMode: boolean;
  /**
   * The HS256 key, imported once: given as bytes, jose imports a WebCrypto key on every
   * verify, which was most of a token's cost (96 -> 39 µs of CPU per verify, a reconnect
   * storm's every hello).
   */
  private readonly signingKey: Promise<CryptoKey> | undefined;
  private readonly publicKey: Promise<{ key: CryptoKey; alg: string } | undefined>;
  private readonly jwks: GetKey | undefined;
  private readonly jwksReady: Promise<void>;
  private readonly algorithms: string[];

  constructor(private readonly opts: AuthOptions) {
    const keyed = !!(opts.jwtSecret || opts.jwtPublicKey || opts.jwksUrl);
    if (opts.open === keyed) {
      throw new Error(
        keyed ? 'open mode cannot be combined with a token key' : 'no token key and open mode not asked for',
      );
    }
    this.openMode = opts.open;
    const secret = opts.jwtSecret
      ? new TextEncoder().encode(opts.jwtSecret)
      : this.openMode
        ? openModeKey(opts.namespace)
        : undefined;
    if (secret) {
      this.signingKey = crypto.subtle.importKey(
        'raw',
        Uint8Array.from(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign', 'verify'],
      );
    }
    this.algorithms = [
      ...(this.signingKey ? ['HS256'] : []),
      ...(opts.jwtPublicKey || opts.jwksUrl ? ASYMMETRIC : []),
    ];
    this.publicKey = opts.jwtPublicKey ? importPublicKey(opts.jwtPublicKey) : Promise.resolve(undefined);
    // Surface a bad public key or JWKS at start (ready()), not at the first hello.
    this.publicKey.catch(() => undefined);
    if (opts.jwksUrl && /^https?:\/\//.test(opts.jwksUrl)) {
      const remote = createRemoteJWKSet(new URL(opts.jwksUrl), {
        cooldownDuration: opts.jwksCooldownMs ?? 30_000,
      });
      this.jwks = wrapRemote(remote);
      this.jwksReady = remote.reload().catch((err: unknown) => {
        // A JWKS server that is down at start must not stop the gateway: tokens are refused
        // with `unavailable` until it answers.
        opts.log?.warn(
          { err, jwks: opts.jwksUrl },
          'could not fetch the JWKS; RS256/ES256 tokens fail until it answers',
        );
      });
    } else if (opts.jwksUrl) {
      const file = new FileJwks(
        opts.jwksUrl.startsWith('file://') ? fileURLToPath(opts.jwksUrl) : opts.jwksUrl,
        opts.log,
      );
      this.jwks = (header, token) => file.getKey(header, token);
      this.jwksReady = file.load();
    } else {
      this.jwksReady = Promise.resolve();
    }
    this.jwksReady.catch(() => undefined);
  }

  async ready(): Promise<void> {
    await Promise.all([this.publicKey, this.jwksReady, this.signingKey]);
  }

  /** Verifies a token; throws NatterError('unauthenticated') naming what was wrong. */
  async verify(token: string): Promise<Identity> {
    const publicKey = await this.publicKey;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, t) => this.keyFor(header, t, publicKey), {
        algorithms: this.algorithms,
        audience: this.opts.audience,
        issuer: this.opts.issuer,
        // A token without an end would be a password that never changes.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof KeySourceUnavailable) {
        throw new NatterError('unavailable', 'token keys are unavailable; try again', 1000, { cause: err });
      }
      throw new NatterError('unauthenticated', `token is ${describe(err)}`, undefined, { cause: err });
    }
    if (!isUser(payload.sub)) {
      throw new NatterError('unauthenticated', `token sub must be a user id (${USER_RE.source})`);
    }
    const exp = payload.exp as number;
    const from = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
    if (exp - from > this.opts.maxAgeSec) {
      throw new NatterError(
        'unauthenticated',
        `token is invalid: it lives ${exp - from} s (exp - ${typeof payload.iat === 'number' ? 'iat' : 'now'}), more than NATTER_JWT_MAX_AGE_S=${this.opts.maxAgeSec}`,
      );
    }
    return { user: payload.sub, exp, token };
  }

  private async keyFor(
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
    publicKey: { key: CryptoKey; alg: string } | undefined,
  ): Promise<Key> {
    if (header.alg === 'HS256' && this.signingKey) return this.signingKey;
    // A kid names a JWKS key; a token without one is for the PEM key when there is one.
    if (publicKey && header.alg === publicKey.alg && (!this.jwks || header.kid === undefined))
      return publicKey.key;
    if (this.jwks) return this.jwks(header, token);
    throw new errors.JOSENotSupported(`no key for alg ${String(header.alg)}`);
  }

  /** Issues a token (open mode, or HS256 with the configured secret). */
  async issue(user: string): Promise<Identity> {
    if (!this.signingKey) throw new NatterError('internal', 'this gateway cannot issue tokens');
    // Never longer than this gateway would accept back.
    const exp = Math.floor(Date.now() / 1000) + Math.min(this.opts.tokenTtlSec, this.opts.maxAgeSec);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(await this.signingKey);
    return { user, exp, token };
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return err.reason === 'missing'
      ? `invalid: it has no ${err.claim} claim`
      : `invalid: its ${err.claim} claim is not accepted`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'invalid: signed with an unknown key';
  return 'invalid';
}

async function importPublicKey(pemText: string): Promise<{ key: CryptoKey; alg: string }> {
  const pem = pemText.replace(/\\n/g, '\n');
  // The key's type decides the algorithm; jose refuses a key that does not fit it.
  try {
    return { key: await importSPKI(pem, 'RS256'), alg: 'RS256' };
  } catch {
    return { key: await importSPKI(pem, 'ES256'), alg: 'ES256' };
  }
}

/** A remote JWKS whose fetch failures become KeySourceUnavailable (a token's own faults stay as they are). */
function wrapRemote(remote: GetKey): GetKey {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
        throw err;
      if (
        err instanceof errors.JOSEError &&
        !(err instanceof errors.JWKSTimeout) &&
        err.code !== 'ERR_JOSE_GENERIC'
      )
        throw err;
      throw new KeySourceUnavailable('the JWKS URL did not answer with a key set', { cause: err });
    }
  };
}

const RECHECK_MS = 1000;

/**
 * A JWKS file, re-read when it changes: at most once a second a token's verification looks
 * at the file's mtime and size, so a rotated key is used within a second with no restart.
 * A file that becomes unreadable or invalid keeps the last good key set (and is logged).
 */
class FileJwks {
  private set: GetKey | undefined;
  private version = '';
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly log?: Logger,
  ) {}

  /** First load: every failure here is a configuration error. */
  async load(): Promise<void> {
    const st = await stat(this.path);
    await this.read(`${st.mtimeMs}:${st.size}`);
  }

  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Key> {
    if (Date.now() - this.checkedAt >= RECHECK_MS) {
      this.checking ??= this.recheck().finally(() => {
        this.checking = undefined;
      });
      await this.checking;
    }
    if (!this.set) throw new KeySourceUnavailable(`JWKS file ${this.path} is not loaded`);
    return this.set(header, token);
  }

  private async recheck(): Promise<void> {
    this.checkedAt = Date.now();
    try {
      const st = await stat(this.path);
      const version = `${st.mtimeMs}:${st.size}`;
      if (version !== this.version) await this.read(version);
    } catch (err) {
      this.log?.warn(
        { err, jwks: this.path },
        'could not re-read the JWKS file; keeping the keys loaded before',
      );
    }
  }

  private async read(version: string): Promise<void> {
    const json = JSON.parse(await readFile(this.path, 'utf8')) as JSONWebKeySet;
    const local = createLocalJWKSet(json);
    this.set = async (header, token) => local(header, token);
    this.version = version;
  }
}
