import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { openModeKey } from '@natter/protocol/open-mode';
import { importJWK, type JWK, SignJWT } from 'jose';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import type { Io } from '../io.ts';
import type { TokenInvocation } from '../token-args.ts';
import { UsageError } from '../usage-error.ts';

type SigningKey = { key: Uint8Array | KeyObject | CryptoKey; alg: string; kid?: string };

/**
 * Mints a development token the way an app's backend would (docs/auth.md): `sub`, `iat`,
 * `exp`, and `aud`/`iss` when the gateway checks them. For scripts and trying Natter out;
 * production tokens come from the backend that knows who signed in.
 */
export async function runToken(inv: TokenInvocation, io: Io): Promise<ExitCode> {
  const signing =
    inv.key.kind === 'secret'
      ? hs256(inv.key.secret)
      : inv.key.kind === 'open'
        ? { key: openModeKey(inv.key.namespace), alg: 'HS256' }
        : await fromFile(inv.key.path);
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({})
    .setProtectedHeader({
      alg: signing.alg,
      typ: 'JWT',
      ...((inv.kid ?? signing.kid) ? { kid: inv.kid ?? signing.kid } : {}),
    })
    .setSubject(inv.user)
    .setIssuedAt(now)
    .setExpirationTime(now + inv.ttlSec);
  if (inv.audience !== undefined) jwt = jwt.setAudience(inv.audience);
  if (inv.issuer !== undefined) jwt = jwt.setIssuer(inv.issuer);
  const token = await jwt.sign(signing.key);
  io.stdout.write(
    inv.json
      ? `${JSON.stringify({ token, user: inv.user, alg: signing.alg, exp: now + inv.ttlSec })}\n`
      : `${token}\n`,
  );
  return EXIT.ok;
}

function hs256(secret: string): SigningKey {
  return { key: new TextEncoder().encode(secret), alg: 'HS256' };
}

/** A PEM private key (RSA: RS256, P-256: ES256), a private JWK, or a file holding an HS256 secret. */
async function fromFile(path: string): Promise<SigningKey> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new UsageError(`--key ${JSON.stringify(path)}: ${(err as Error).message}`, 'token', { cause: err });
  }
  if (text.startsWith('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (err) {
      throw new UsageError(
        `--key ${JSON.stringify(path)}: not a PEM private key (a public key cannot sign)`,
        'token',
        {
          cause: err,
        },
      );
    }
    return { key, alg: algOf(key, path) };
  }
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as JWK;
    if (!jwk.d)
      throw new UsageError(`--key ${JSON.stringify(path)}: the JWK has no private part ("d")`, 'token');
    const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' ? 'ES256' : undefined);
    if (alg !== 'RS256' && alg !== 'ES256') {
      throw new UsageError(
        `--key ${JSON.stringify(path)}: Natter takes RS256 or ES256 JWKs, not ${alg}`,
        'token',
      );
    }
    return { key: (await importJWK(jwk, alg)) as CryptoKey, alg, ...(jwk.kid ? { kid: jwk.kid } : {}) };
  }
  if (new TextEncoder().encode(text).length < 32) {
    throw new UsageError(`--key ${JSON.stringify(path)}: an HS256 secret needs 32+ bytes`, 'token');
  }
  return hs256(text);
}

function algOf(key: KeyObject, path: string): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new UsageError(
    `--key ${JSON.stringify(path)}: Natter verifies RS256 (RSA) and ES256 (P-256) keys only`,
    'token',
  );
}
