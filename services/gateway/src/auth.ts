import { createHash } from 'node:crypto';
import { importSPKI, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { isUser, NatterError } from '@natter/protocol';

/**
 * Token verification for `hello`, `refresh` and the HTTP API.
 *
 * With NATTER_JWT_SECRET (HS256) or NATTER_JWT_PUBLIC_KEY (RS256/ES256, PEM) set, only
 * verified tokens are accepted and `alg: none` or any other algorithm is refused by jose.
 * Without either, the gateway is in open mode: a client names itself and gets a token
 * signed with a key derived from the namespace, so every open-mode gateway of one
 * deployment accepts every other's tokens. Open mode is for development; main.ts logs it
 * loudly.
 */
export interface Identity {
  user: string;
  /** Seconds since the epoch, when the token stops being valid. */
  exp?: number;
  token: string;
}

export interface AuthOptions {
  jwtSecret?: string;
  jwtPublicKey?: string;
  namespace: string;
  tokenTtlSec: number;
}

type Key = Uint8Array | CryptoKey;

export class Authenticator {
  readonly openMode: boolean;
  private readonly signingKey: Uint8Array | undefined;
  private readonly verifyKey: Promise<{ key: Key; algorithms: string[] }>;

  constructor(private readonly opts: AuthOptions) {
    this.openMode = !opts.jwtSecret && !opts.jwtPublicKey;
    if (opts.jwtSecret) {
      this.signingKey = new TextEncoder().encode(opts.jwtSecret);
    } else if (this.openMode) {
      this.signingKey = createHash('sha256').update(`natter-open-mode:${opts.namespace}`).digest();
    }
    this.verifyKey = this.loadVerifyKey();
    // Surface a bad public key at start, not at the first hello.
    this.verifyKey.catch(() => undefined);
  }

  private async loadVerifyKey(): Promise<{ key: Key; algorithms: string[] }> {
    if (this.opts.jwtPublicKey) {
      const pem = this.opts.jwtPublicKey.replace(/\\n/g, '\n');
      // The key's type decides the algorithm; jose refuses a key that does not fit it.
      try {
        return { key: await importSPKI(pem, 'RS256'), algorithms: ['RS256'] };
      } catch {
        return { key: await importSPKI(pem, 'ES256'), algorithms: ['ES256'] };
      }
    }
    return { key: this.signingKey!, algorithms: ['HS256'] };
  }

  async ready(): Promise<void> {
    await this.verifyKey;
  }

  /** Verifies a token; throws NatterError('unauthenticated') naming what was wrong. */
  async verify(token: string): Promise<Identity> {
    const { key, algorithms } = await this.verifyKey;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms }));
    } catch (err) {
      const why = err instanceof Error && 'code' in err && err.code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid';
      throw new NatterError('unauthenticated', `token is ${why}`, undefined, { cause: err });
    }
    if (!isUser(payload.sub)) {
      throw new NatterError('unauthenticated', 'token sub must be a user id (^[A-Za-z0-9_.-]{1,64}$)');
    }
    return { user: payload.sub, exp: payload.exp, token };
  }

  /** Issues a token (open mode, or HS256 with the configured secret). */
  async issue(user: string): Promise<Identity> {
    if (!this.signingKey) throw new NatterError('internal', 'this gateway cannot issue tokens');
    const exp = Math.floor(Date.now() / 1000) + this.opts.tokenTtlSec;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.signingKey);
    return { user, exp, token };
  }
}
