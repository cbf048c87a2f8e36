import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { freePort, type ProcHandle, startProcess, waitFor } from '@natter/testkit';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, JWT_SECRET, startCluster } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Open mode is never silent, and tokens are bounded: on real gateway processes (and the
 * single-node launcher) with real NATS, Redis and Postgres.
 */
const ROOT = new URL('../', import.meta.url).pathname;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs a main.ts to its end (it is expected to refuse to start); its exit code and stderr. */
function runToExit(entry: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', TSX, `${ROOT}${entry}`], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

let cluster: Cluster;
const clients: RawClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({ gateways: 1 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('open mode must be asked for', () => {
  it('a gateway with no key and no NATTER_AUTH exits at once, naming the variables', () => {
    const { code, stderr } = runToExit('services/gateway/src/main.ts', {
      NATS_URL: cluster.nats.url,
      LOG_LEVEL: 'error',
    });
    expect(code).toBe(2);
    for (const name of [
      'NATTER_JWT_SECRET',
      'NATTER_JWT_PUBLIC_KEY',
      'NATTER_JWKS_URL',
      'NATTER_AUTH=open',
    ]) {
      expect(stderr).toContain(name);
    }
  });

  it('NATTER_AUTH=open beside a key, or an unknown NATTER_AUTH, is a configuration error', () => {
    const both = runToExit('services/gateway/src/main.ts', {
      NATS_URL: cluster.nats.url,
      NATTER_AUTH: 'open',
      NATTER_JWT_SECRET: JWT_SECRET,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/NATTER_AUTH=open but a key is set/);
    const typo = runToExit('services/gateway/src/main.ts', {
      NATS_URL: cluster.nats.url,
      NATTER_AUTH: 'opne',
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/NATTER_AUTH="opne" must be "open" or "keyed"/);
  });

  it('an HS256 secret under 32 bytes stops the process at start', () => {
    const { code, stderr } = runToExit('services/gateway/src/main.ts', {
      NATS_URL: cluster.nats.url,
      NATTER_JWT_SECRET: 'short-secret',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/NATTER_JWT_SECRET is 12 bytes; an HS256 secret must be at least 32/);
  });

  it('with NATTER_AUTH=open a gateway starts, and clients name themselves', async () => {
    const port = await freePort();
    const gw = await startProcess({
      name: 'gw-open',
      entry: 'services/gateway/src/main.ts',
      env: {
        ...cluster.env,
        NATTER_JWT_SECRET: '',
        NATTER_AUTH: 'open',
        PORT: String(port),
        GATEWAY_ID: 'gw-open',
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    try {
      const { client, hello } = await RawClient.hello(`ws://127.0.0.1:${port}/ws`, { user: 'anyone' });
      clients.push(client);
      expect(hello.user).toBe('anyone');
    } finally {
      await gw.kill('SIGTERM');
    }
  });

  it('single-node mode defaults to open mode and says so on stderr even at LOG_LEVEL=error', async () => {
    const port = await freePort();
    let node: ProcHandle | undefined;
    try {
      node = await startProcess({
        name: 'single-node',
        entry: 'services/natter/src/main.ts',
        env: {
          PORT: String(port),
          DATABASE_URL: await cluster.pg.createDatabase(),
          LOG_LEVEL: 'error',
          NATTER_JWT_SECRET: '',
          NATTER_API_KEY: '',
          NATS_URL: '',
          REDIS_URL: '',
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
      expect(node.logs()).toMatch(/OPEN MODE\. Anyone can sign in as anyone/);
    } finally {
      await node?.kill('SIGTERM');
    }
  });
});

describe('a first start of single-node mode', () => {
  it('prints the start banner and no warning (the open-mode notice is the banner, at info in the log)', async () => {
    const port = await freePort();
    let node: ProcHandle | undefined;
    try {
      node = await startProcess({
        name: 'first-start',
        entry: 'services/natter/src/main.ts',
        env: {
          PORT: String(port),
          DATABASE_URL: await cluster.pg.createDatabase(),
          LOG_LEVEL: 'info',
          NATTER_JWT_SECRET: '',
          NATTER_API_KEY: '',
          NATS_URL: '',
          REDIS_URL: '',
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
      const started = node;
      await waitFor(() => started.logs().includes('"msg":"natter is up'), { what: 'the up line' });
      const logs = started.logs();
      expect(logs).toMatch(/natter is up: http:\/\/localhost:\d+\n/);
      expect(logs).toMatch(/auth +open mode/);
      expect(logs).toMatch(/server API +off/);
      expect(logs).toMatch(/serving the web client from|serving no web client/);
      const lines = logs.split('\n').filter((l) => l.startsWith('{'));
      expect(lines.length).toBeGreaterThan(5);
      const warnings = lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
      expect(warnings).toEqual([]);
    } finally {
      await node?.kill('SIGTERM');
    }
  });
});

describe('tokens are bounded', () => {
  const key = new TextEncoder().encode(JWT_SECRET);
  const now = () => Math.floor(Date.now() / 1000);

  async function helloWith(token: string) {
    const c = await RawClient.connect(cluster.gateways[0].url);
    clients.push(c);
    return c.request('hello', { token });
  }

  it('a token without exp is refused, naming the claim', async () => {
    const t = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('noexp')
      .setIssuedAt()
      .sign(key);
    const r = await helloWith(t);
    expect(r.error?.code).toBe('unauthenticated');
    expect(r.error?.message).toMatch(/no exp claim/);
  });

  it('a token living longer than NATTER_JWT_MAX_AGE_S (default 24 h) is refused; 24 h is fine', async () => {
    const long = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('longlived')
      .setIssuedAt()
      .setExpirationTime(now() + 25 * 3600)
      .sign(key);
    const r = await helloWith(long);
    expect(r.error?.code).toBe('unauthenticated');
    expect(r.error?.message).toMatch(/NATTER_JWT_MAX_AGE_S=86400/);
    // Without iat, the lifetime counts from now.
    const noIat = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('longlived')
      .setExpirationTime(now() + 25 * 3600)
      .sign(key);
    expect((await helloWith(noIat)).error?.message).toMatch(/exp - now/);
    const day = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('daylong')
      .setIssuedAt()
      .setExpirationTime(now() + 24 * 3600)
      .sign(key);
    expect((await helloWith(day)).error).toBeUndefined();
  });
});
