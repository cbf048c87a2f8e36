import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { type PostgresHandle, startPostgres, waitFor } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken } from '../src/http.ts';
import { migrateUploads } from '../src/migrations.ts';
import { PgUploadStore } from '../src/pg-store.ts';
import { uploadRoutes } from '../src/routes.ts';
import { PNG_1X1 } from './samples.ts';

/**
 * The upload limits of a security review (docs/protocol.md, "Limits"), through the HTTP
 * routes on a real Postgres: the per-user daily quota, the per-user in-flight limit, and
 * bodies over the size limit refused without being read.
 */
const log = createLogger({ name: 'uploads-limits-test', level: 'silent' });
const MAX = 4096;
const QUOTA = 10_000;
const IN_FLIGHT = 2;

/** A PNG of exactly `size` bytes (its signature, then padding). */
const png = (size: number) => Buffer.concat([PNG_1X1, Buffer.alloc(size - PNG_1X1.length)]);

/** Counts quotaWait calls: the routes make one per upload once it holds an in-flight slot. */
class CountingStore extends PgUploadStore {
  checks = 0;
  override quotaWait(owner: string, bytes: number, quota: number): Promise<number> {
    this.checks++;
    return super.quotaWait(owner, bytes, quota);
  }
}

let postgres: PostgresHandle;
let pool: pg.Pool;
let store: CountingStore;
let server: Server;
let base: string;
/** The server side of each connection, by the test header that tagged its request. */
const sockets = new Map<string, Socket>();

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  await migrateUploads(databaseUrl, log);
  pool = createPool(databaseUrl, { max: 10, log });
  store = new CountingStore(pool);
  const routes = uploadRoutes({
    store,
    auth: async (req: IncomingMessage) => {
      const t = bearerToken(req);
      if (!t.startsWith('tok-')) throw new NatterError('unauthenticated', 'token is invalid');
      return t.slice(4);
    },
    maxBytes: MAX,
    bytesPerDay: QUOTA,
    inFlightPerUser: IN_FLIGHT,
    log,
  });
  server = createServer((req, res) => {
    const tag = req.headers['x-test-tag'];
    if (typeof tag === 'string') sockets.set(tag, req.socket);
    void routes(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await pool?.end();
  await postgres?.stop();
});

function upload(user: string, body: Buffer) {
  return fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', authorization: `Bearer tok-${user}` },
    body: new Uint8Array(body),
  });
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A POST whose body the test writes by hand (`headers` may declare a Content-Length or
 * leave it chunked). `answer` resolves with the response, `closed` when the socket closes.
 */
function rawUpload(user: string, headers: Record<string, string> = {}) {
  const req = request(`${base}/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', authorization: `Bearer tok-${user}`, ...headers },
  });
  req.on('error', () => {}); // writing into a closed connection is what some tests expect
  const answer = new Promise<Answer>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
  });
  const closed = new Promise<void>((resolve) => req.on('close', resolve));
  req.flushHeaders();
  return { req, answer, closed };
}

describe('NATTER_UPLOAD_BYTES_PER_DAY', () => {
  it('answers 429 rate_limited naming the quota, with retryAfter and Retry-After; others still upload', async () => {
    expect((await upload('quota-a', png(MAX))).status).toBe(201);
    expect((await upload('quota-a', png(MAX))).status).toBe(201);
    // 8192 of 10000 bytes used: another 4096 does not fit.
    const res = await upload('quota-a', png(MAX));
    expect(res.status).toBe(429);
    const { error } = await res.json();
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/NATTER_UPLOAD_BYTES_PER_DAY/);
    // The first upload leaves the 24 hours first.
    expect(error.retryAfter).toBeGreaterThan(24 * 3_600_000 - 60_000);
    expect(res.headers.get('retry-after')).toBe(String(Math.ceil(error.retryAfter / 1000)));
    // What still fits is accepted, and another user has their own quota.
    expect((await upload('quota-a', png(10_000 - 2 * MAX))).status).toBe(201);
    expect((await upload('quota-b', png(MAX))).status).toBe(201);
  });

  it('refuses a declared Content-Length over the quota before the body is sent', {
    timeout: 10_000,
  }, async () => {
    expect((await upload('quota-c', png(MAX))).status).toBe(201);
    expect((await upload('quota-c', png(MAX))).status).toBe(201);
    const { req, answer, closed } = rawUpload('quota-c', { 'content-length': String(MAX) });
    const got = await answer; // not one byte of the body was written
    expect(got.status).toBe(429);
    expect(JSON.parse(got.body).error.message).toMatch(/NATTER_UPLOAD_BYTES_PER_DAY/);
    expect(got.headers.connection).toBe('close');
    await closed;
    req.destroy();
  });

  it('refuses a chunked body that does not fit when it is stored', async () => {
    expect((await upload('quota-d', png(MAX))).status).toBe(201);
    expect((await upload('quota-d', png(MAX))).status).toBe(201);
    // No Content-Length: the check before reading passes (1808 bytes are left), the one
    // made atomically with the insert does not.
    const { req, answer } = rawUpload('quota-d');
    req.end(png(3000));
    const got = await answer;
    expect(got.status).toBe(429);
    expect(JSON.parse(got.body).error.message).toMatch(/NATTER_UPLOAD_BYTES_PER_DAY/);
    const { rows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM uploads WHERE owner = 'quota-d'",
    );
    expect(Number(rows[0]!.n)).toBe(2);
  });
});

describe('NATTER_UPLOADS_IN_FLIGHT_PER_USER', () => {
  it('answers 429 rate_limited naming the limit past it; a slot frees when an upload ends', async () => {
    const before = store.checks;
    const held = [0, 1].map(() => {
      const r = rawUpload('busy', { 'content-length': '2000' });
      r.req.write(png(2000).subarray(0, 1000));
      return r;
    });
    // Both hold a slot once their quota check ran.
    await waitFor(() => store.checks >= before + IN_FLIGHT, { timeoutMs: 5000 });
    const res = await upload('busy', PNG_1X1);
    expect(res.status).toBe(429);
    const { error } = await res.json();
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/NATTER_UPLOADS_IN_FLIGHT_PER_USER/);
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(res.headers.get('retry-after')).toBe(String(Math.ceil(error.retryAfter / 1000)));
    // The limit is per user.
    expect((await upload('idle', PNG_1X1)).status).toBe(201);
    for (const h of held) h.req.end(png(2000).subarray(1000));
    expect((await Promise.all(held.map((h) => h.answer))).map((a) => a.status)).toEqual([201, 201]);
    expect((await upload('busy', PNG_1X1)).status).toBe(201);
  });
});

describe('bodies are not read longer than needed (NATTER_MAX_UPLOAD_BYTES)', () => {
  it('answers a refused upload without reading its body, and closes the connection', async () => {
    // A bad token with a body under the limit: without `Connection: close` the server
    // would keep the connection and read the whole body only to discard it.
    const { req, answer, closed } = rawUpload('x', {
      authorization: 'Bearer forged',
      'content-length': '4000',
    });
    const got = await answer;
    expect(got.status).toBe(401);
    expect(got.headers.connection).toBe('close');
    await closed;
    req.destroy();
  }, 10_000);

  it('answers a declared Content-Length over the limit with 413 before the body is sent, and closes', async () => {
    const { req, answer, closed } = rawUpload('big', { 'content-length': String(MAX + 1) });
    const got = await answer;
    expect(got.status).toBe(413);
    expect(JSON.parse(got.body).error.code).toBe('too_large');
    expect(got.headers.connection).toBe('close');
    await closed;
    req.destroy();
  });

  it('cuts a chunked body off once past the limit: 413, and the connection closes unread', async () => {
    const { req, answer, closed } = rawUpload('big', { 'x-test-tag': 'chunked' });
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    let done = false;
    void closed.then(() => {
      done = true;
    });
    // Writes as fast as the server takes it, up to 64 MiB: far more than it may read.
    const pump = () => {
      while (!done && written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!req.write(written === chunk.length ? Buffer.concat([PNG_1X1, chunk]) : chunk)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
    const got = await answer;
    expect(got.status).toBe(413);
    expect(JSON.parse(got.body).error.code).toBe('too_large');
    await closed;
    // The server stopped reading at the limit: what it took in is socket buffers' worth,
    // not the body (which was never ended).
    const serverSide = sockets.get('chunked')!;
    await waitFor(() => serverSide.destroyed, { timeoutMs: 5000 });
    expect(serverSide.bytesRead).toBeLessThan(2 * 1024 * 1024);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });
});
