import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, type ProcHandle, startProcess } from '@natter/testkit';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, JWT_SECRET, startCluster } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Token verification on real gateway processes: HS256, RS256 and ES256 from a JWKS served
 * over HTTP by this test (rotated while the gateway runs) and from a JWKS file (rewritten
 * while it runs), aud/iss checks, `refresh`, expiry to the second, and the Origin list.
 */
const AUD = 'natter-test';
const ISS = 'https://issuer.test';
const ORIGIN = 'https://chat.example.com';

type Signer = { kid: string; alg: 'RS256' | 'ES256'; key: CryptoKey; jwk: JWK };

async function signer(kid: string, alg: 'RS256' | 'ES256'): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

interface Claims {
  sub: string;
  expSec?: number;
  aud?: string | null;
  iss?: string | null;
}

async function sign(s: Signer | 'hs256', c: Claims): Promise<string> {
  const jwt = new SignJWT({})
    .setSubject(c.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (c.expSec ?? 3600));
  if (c.aud !== null) jwt.setAudience(c.aud ?? AUD);
  if (c.iss !== null) jwt.setIssuer(c.iss ?? ISS);
  if (s === 'hs256')
    return jwt.setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
  return jwt.setProtectedHeader({ alg: s.alg, kid: s.kid }).sign(s.key);
}

let cluster: Cluster;
let jwksServer: Server;
let served: JWK[] = [];
let jwksFetches = 0;
let rsa1: Signer;
let ec1: Signer;
let url: string;
let http: string;
const clients: RawClient[] = [];

async function tryHello(token: string, gwUrl = url) {
  const c = await RawClient.connect(gwUrl);
  clients.push(c);
  return { c, r: await c.request('hello', { token }) };
}

beforeAll(async () => {
  [rsa1, ec1] = await Promise.all([signer('rsa-1', 'RS256'), signer('ec-1', 'ES256')]);
  served = [rsa1.jwk, ec1.jwk];
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  cluster = await startCluster({
    gateways: 1,
    env: {
      NATTER_JWKS_URL: jwksUrl,
      NATTER_JWKS_COOLDOWN_MS: '0',
      NATTER_JWT_AUDIENCE: AUD,
      NATTER_JWT_ISSUER: ISS,
      NATTER_ALLOWED_ORIGINS: `${ORIGIN}, https://other.example.com`,
    },
  });
  url = cluster.gateways[0].url;
  http = cluster.gateways[0].http;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
  jwksServer?.closeAllConnections();
  await new Promise((r) => jwksServer?.close(r));
});

describe('signature algorithms and keys', () => {
  it('accepts HS256, and RS256 and ES256 from the JWKS URL, over WebSocket and HTTP', async () => {
    for (const [s, user] of [
      ['hs256', 'hana'],
      [rsa1, 'rita'],
      [ec1, 'elsa'],
    ] as const) {
      const t = await sign(s, { sub: user });
      const { r } = await tryHello(t);
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      expect(r.result).toMatchObject({ user, token: t });
      const res = await fetch(`${http}/v1/conversations`, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(200);
    }
  });

  it('picks up a rotated key from the JWKS URL without a restart', async () => {
    const rsa2 = await signer('rsa-2', 'RS256');
    const before = await tryHello(await sign(rsa2, { sub: 'rotor' }));
    expect(before.r.error).toMatchObject({
      code: 'unauthenticated',
      message: 'token is invalid: signed with an unknown key',
    });
    served = [rsa2.jwk, ec1.jwk];
    const fetches = jwksFetches;
    const after = await tryHello(await sign(rsa2, { sub: 'rotor' }));
    expect(after.r.error, JSON.stringify(after.r.error)).toBeUndefined();
    expect(jwksFetches).toBe(fetches + 1);
    // A known kid is served from the cache: no fetch per token.
    await tryHello(await sign(rsa2, { sub: 'rotor' }));
    expect(jwksFetches).toBe(fetches + 1);
  });

  it('refuses a wrong or missing aud or iss, a key of another kind, and a token signed by nobody it knows', async () => {
    const stranger = await signer('rsa-1', 'RS256'); // a known kid, the wrong key
    const cases: [string, RegExp][] = [
      [await sign(ec1, { sub: 'x', aud: 'someone-else' }), /aud/],
      [await sign(ec1, { sub: 'x', aud: null }), /aud/],
      [await sign(ec1, { sub: 'x', iss: 'https://evil.test' }), /iss/],
      [await sign('hs256', { sub: 'x', iss: null }), /iss/],
      [await sign(stranger, { sub: 'x' }), /invalid/],
      [await sign(ec1, { sub: 'x', expSec: -5 }), /expired/],
    ];
    for (const [t, why] of cases) {
      const { r } = await tryHello(t);
      expect(r.error?.code).toBe('unauthenticated');
      expect(r.error?.message).toMatch(why);
    }
  });
});

describe('refresh and expiry', () => {
  it('refreshes with a token of the same user only', async () => {
    const { c } = await tryHello(await sign(ec1, { sub: 'rene' }));
    expect((await c.request('refresh', { token: await sign('hs256', { sub: 'rene' }) })).result).toEqual({});
    const other = await c.request('refresh', { token: await sign(ec1, { sub: 'mallory' }) });
    expect(other.error?.code).toBe('forbidden');
    const bad = await c.request('refresh', { token: 'nope' });
    expect(bad.error?.code).toBe('unauthenticated');
    expect((await c.request('ping')).result).toEqual({});
  });

  it('ends a session whose token expires unrenewed with bye token_expired and 4001, on time', async () => {
    // NATTER_HEARTBEAT_SEC is 25 s here: only a per-session timer ends it within ~2 s.
    const { c, r } = await tryHello(await sign(ec1, { sub: 'ephemeral', expSec: 2 }));
    expect(r.error).toBeUndefined();
    const t0 = Date.now();
    const closed = await c.waitClose(10_000);
    expect(closed.code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(c.events.find((e) => e.ev === 'bye')).toMatchObject({ reason: 'token_expired', reconnect: true });
  });

  it('keeps a session that refreshed before expiry', async () => {
    // (rsa-1 was rotated out above; ec-1 is still served.)
    const { c, r } = await tryHello(await sign(ec1, { sub: 'keeper', expSec: 2 }));
    expect(r.error).toBeUndefined();
    expect(
      (await c.request('refresh', { token: await sign(ec1, { sub: 'keeper', expSec: 3600 }) })).result,
    ).toEqual({});
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.closed).toBeUndefined();
    expect((await c.request('ping')).result).toEqual({});
  });
});

describe('Origin allow-list', () => {
  function upgrade(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once('error', reject);
    });
  }

  it('refuses a browser upgrade from an origin not on the list with 403', async () => {
    expect(await upgrade({ origin: 'https://evil.example.com' })).toBe(403);
    expect(await upgrade({ origin: ORIGIN })).toBe(101);
    expect(await upgrade({ origin: 'https://other.example.com' })).toBe(101);
    // Apps and bots send no Origin.
    expect(await upgrade({})).toBe(101);
  });
});

describe('a JWKS file', () => {
  let dir: string;
  let file: string;
  let gw: ProcHandle;
  let fileUrl: string;

  function writeJwks(keys: JWK[]): void {
    // Write then rename, as a secret manager would, so the gateway never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ keys }));
    renameSync(`${file}.tmp`, file);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'natter-jwks-'));
    file = path.join(dir, 'jwks.json');
    const f1 = await signer('file-1', 'ES256');
    writeJwks([f1.jwk]);
    const port = await freePort();
    gw = await startProcess({
      name: 'gw-jwks-file',
      entry: 'services/gateway/src/main.ts',
      env: {
        ...cluster.env,
        PORT: String(port),
        GATEWAY_ID: 'gw-jwks-file',
        NATTER_JWT_SECRET: '',
        NATTER_JWKS_URL: file,
        NATTER_JWT_AUDIENCE: '',
        NATTER_JWT_ISSUER: '',
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    fileUrl = `ws://127.0.0.1:${port}/ws`;
    const { r } = await tryHello(await sign(f1, { sub: 'filer', aud: null, iss: null }), fileUrl);
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  });

  afterAll(async () => {
    await gw?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is re-read when it changes, and HS256 is refused without a secret', async () => {
    const f2 = await signer('file-2', 'RS256');
    const t = await sign(f2, { sub: 'filer', aud: null, iss: null });
    expect((await tryHello(t, fileUrl)).r.error?.code).toBe('unauthenticated');
    writeJwks([f2.jwk]);
    const deadline = Date.now() + 5000;
    let last = await tryHello(t, fileUrl);
    while (last.r.error && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      last = await tryHello(t, fileUrl);
    }
    expect(last.r.error, JSON.stringify(last.r.error)).toBeUndefined();
    const hs = await tryHello(await sign('hs256', { sub: 'filer', aud: null, iss: null }), fileUrl);
    expect(hs.r.error?.code).toBe('unauthenticated');
    // Not open mode: naming yourself is refused.
    const c = await RawClient.connect(fileUrl);
    clients.push(c);
    expect((await c.request('hello', { user: 'filer' })).error?.code).toBe('unauthenticated');
  });
});

describe('a JWKS URL that stops answering', () => {
  it('answers unavailable (not unauthenticated) for a key it must fetch', async () => {
    jwksServer.closeAllConnections();
    await new Promise((r) => jwksServer.close(r));
    const rsa3 = await signer('rsa-3', 'RS256');
    const { r } = await tryHello(await sign(rsa3, { sub: 'late' }));
    expect(r.error?.code).toBe('unavailable');
    expect(r.error?.retryAfter).toBeGreaterThan(0);
    // Keys already fetched keep working.
    expect((await tryHello(await sign(ec1, { sub: 'late' }))).r.error).toBeUndefined();
  });
});
