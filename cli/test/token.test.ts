import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Authenticator } from '@natter/gateway';
import { decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/io.ts';
import { run } from '../src/run.ts';
import { parseTtl } from '../src/token-args.ts';

/**
 * `natter token`: the tokens it prints are verified by the gateway's own Authenticator,
 * with the same settings a gateway would have (secret, public key, audience, issuer).
 */
const SECRET = 'token-test-secret-0123456789abcdef';
const dir = mkdtempSync(path.join(tmpdir(), 'natter-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function natter(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io = { stdin: new PassThrough(), stdout, stderr, env } as unknown as Io;
  const code = await run(argv, io);
  return { code, out, err };
}

const auth = (opts: Partial<ConstructorParameters<typeof Authenticator>[0]>) =>
  new Authenticator({ open: false, namespace: 'natter', tokenTtlSec: 3600, maxAgeSec: 86400, ...opts });

describe('natter token', () => {
  it('signs HS256 with NATTER_JWT_SECRET; the gateway accepts it as that user', async () => {
    const { code, out } = await natter(['token', '--user', 'alice'], { NATTER_JWT_SECRET: SECRET });
    expect(code).toBe(0);
    const token = out.trim();
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect((await auth({ jwtSecret: SECRET }).verify(token)).user).toBe('alice');
    // Another secret does not verify it.
    await expect(auth({ jwtSecret: `${SECRET}-other` }).verify(token)).rejects.toThrow(/token is invalid/);
  });

  it('carries aud, iss and the lifetime asked for, from flags or the gateway variables', async () => {
    const env = { NATTER_JWT_SECRET: SECRET, NATTER_JWT_AUDIENCE: 'chat', NATTER_JWT_ISSUER: 'https://app' };
    const { out } = await natter(['token', '-u', 'bob', '--ttl', '30m', '--json'], env);
    const printed = JSON.parse(out) as { token: string; user: string; alg: string; exp: number };
    expect(printed).toMatchObject({ user: 'bob', alg: 'HS256' });
    const claims = decodeJwt(printed.token);
    expect(claims).toMatchObject({ sub: 'bob', aud: 'chat', iss: 'https://app', exp: printed.exp });
    expect(claims.exp! - claims.iat!).toBe(1800);
    const gateway = auth({ jwtSecret: SECRET, audience: 'chat', issuer: 'https://app' });
    expect((await gateway.verify(printed.token)).user).toBe('bob');
    const noAud = (await natter(['token', '-u', 'bob'], { NATTER_JWT_SECRET: SECRET })).out.trim();
    await expect(gateway.verify(noAud)).rejects.toThrow(/no (aud|iss) claim/);
  });

  it('signs RS256 with a PEM key file and ES256 with a JWK (its kid in the header)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaFile = path.join(dir, 'rsa.pem');
    writeFileSync(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rs = (await natter(['token', '--user', 'carol', '--key', rsaFile])).out.trim();
    expect(decodeProtectedHeader(rs).alg).toBe('RS256');
    const rsaPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await auth({ jwtPublicKey: rsaPublic }).verify(rs)).user).toBe('carol');

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwkFile = path.join(dir, 'ec.jwk');
    writeFileSync(
      jwkFile,
      JSON.stringify({ ...(await exportJWK(ec.privateKey)), kid: 'k-2026', alg: 'ES256' }),
    );
    const es = (await natter(['token', '--user', 'dave', '--key', jwkFile])).out.trim();
    expect(decodeProtectedHeader(es)).toMatchObject({ alg: 'ES256', kid: 'k-2026' });
    const jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'k-2026' }] }),
    );
    const gateway = auth({ jwksUrl: jwksFile });
    await gateway.ready();
    expect((await gateway.verify(es)).user).toBe('dave');
  });

  it('signs for an open-mode server with --open: the key its namespace derives', async () => {
    const token = (
      await natter(['token', '--open', '--user', 'erin'], { NATTER_NAMESPACE: 'demo' })
    ).out.trim();
    const open = (namespace: string) =>
      new Authenticator({ open: true, namespace, tokenTtlSec: 3600, maxAgeSec: 86400 });
    expect((await open('demo').verify(token)).user).toBe('erin');
    await expect(open('natter').verify(token)).rejects.toThrow(/token is invalid/);
    expect((await natter(['token', '--open', '--user', 'erin', '--key', 'k'])).err).toMatch(
      /--open or --key/,
    );
  });

  it('refuses, with usage errors naming what is wrong', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['token'], { NATTER_JWT_SECRET: SECRET }, /--user <name> is required/],
      [['token', '--user', 'a b'], { NATTER_JWT_SECRET: SECRET }, /must match/],
      [['token', '--user', 'alice'], {}, /no key: set NATTER_JWT_SECRET/],
      [['token', '--user', 'alice'], { NATTER_JWT_SECRET: 'short' }, /shorter than 32 bytes/],
      [['token', '--user', 'alice', '--ttl', '2y'], { NATTER_JWT_SECRET: SECRET }, /--ttl "2y"/],
      [['token', '--user', 'alice', '--key', path.join(dir, 'missing')], {}, /--key .*missing/],
    ];
    for (const [argv, env, message] of cases) {
      const r = await natter(argv, env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    }
    const publicOnly = path.join(dir, 'public.pem');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(publicOnly, publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await natter(['token', '--user', 'alice', '--key', publicOnly])).err).toMatch(
      /public key cannot sign/,
    );
  });

  it('reads lifetimes in seconds, minutes, hours and days, within the gateway bounds', () => {
    expect([parseTtl('90'), parseTtl('90s'), parseTtl('30m'), parseTtl('12h'), parseTtl('7d')]).toEqual([
      90, 90, 1800, 43200, 604800,
    ]);
    expect([parseTtl('0'), parseTtl('366d'), parseTtl('1w'), parseTtl('-5')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
