import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken } from '../src/http.ts';
import { MemoryUploadStore } from '../src/memory-store.ts';
import { uploadRoutes } from '../src/routes.ts';
import type { UploadStore } from '../src/store.ts';
import { PNG_1X1, SAMPLES } from './samples.ts';

const log = createLogger({ name: 'uploads-test', level: 'silent' });
const MAX = 4096;

/** Tokens are `tok-<user>` in these tests. */
async function auth(req: Parameters<typeof bearerToken>[0]): Promise<string> {
  const t = bearerToken(req);
  if (!t.startsWith('tok-')) throw new NatterError('unauthenticated', 'token is invalid');
  return t.slice(4);
}

function serve(store: UploadStore | undefined): Promise<{ server: Server; base: string }> {
  const routes = uploadRoutes({ store, auth, maxBytes: MAX, log });
  const server = createServer((req, res) => {
    void routes(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

let base: string;
let server: Server;
const store = new MemoryUploadStore();

beforeAll(async () => {
  ({ server, base } = await serve(store));
});
afterAll(() => server?.close());

function upload(body: Buffer | string, type: string, token: string | null = 'tok-alice') {
  const headers: Record<string, string> = { 'content-type': type };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

describe('POST /v1/uploads', () => {
  it.each(Object.entries(SAMPLES))('stores %s and answers 201 with a capability URL', async (type, bytes) => {
    const res = await upload(bytes, type);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({
      url: expect.stringMatching(/^\/v1\/uploads\/u_[A-Za-z0-9_-]{22}$/),
      type,
      size: bytes.length,
    });
    const stored = await store.get(body.url.split('/').pop());
    expect(stored?.owner).toBe('alice');
  });

  it('gives every upload a new id', async () => {
    const urls = await Promise.all(
      [1, 2, 3].map(async () => (await (await upload(PNG_1X1, 'image/png')).json()).url),
    );
    expect(new Set(urls).size).toBe(3);
  });

  it('needs a valid bearer token', async () => {
    const none = await upload(PNG_1X1, 'image/png', null);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('unauthenticated');
    const bad = await upload(PNG_1X1, 'image/png', 'forged');
    expect(bad.status).toBe(401);
  });

  it('refuses types outside the list, naming the header', async () => {
    for (const type of ['text/html', 'image/svg+xml', 'application/octet-stream', 'video/mp4']) {
      const res = await upload('<svg onload="alert(1)"/>', type);
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(/^Content-Type:/);
    }
  });

  it('refuses bytes whose signature is not the declared type, naming the mismatch', async () => {
    const html = await upload('<html><script>alert(1)</script></html>', 'image/png');
    expect(html.status).toBe(400);
    expect((await html.json()).error.message).toBe(
      'body: Content-Type is image/png but the bytes match no allowed type',
    );
    const gif = await upload(SAMPLES['image/gif']!, 'image/png');
    expect((await gif.json()).error.message).toBe(
      'body: Content-Type is image/png but the bytes are image/gif',
    );
    const empty = await upload(Buffer.alloc(0), 'image/png');
    expect(empty.status).toBe(400);
  });

  it('accepts a type with parameters (MediaRecorder says audio/webm;codecs=opus)', async () => {
    const res = await upload(SAMPLES['audio/webm']!, 'audio/webm;codecs=opus');
    expect(res.status).toBe(201);
    expect((await res.json()).type).toBe('audio/webm');
  });

  it('answers 413 too_large for a declared Content-Length over the limit without reading it', async () => {
    const big = Buffer.concat([PNG_1X1, Buffer.alloc(MAX)]);
    const res = await upload(big, 'image/png');
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
  });

  it('answers 413 for a chunked body that passes the limit, and stops reading it', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base}/v1/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', authorization: 'Bearer tok-alice' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(PNG_1X1);
      req.write(Buffer.alloc(MAX));
      // Never ended: the server must answer without waiting for the rest.
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('too_large');
  });

  it('accepts exactly the limit', async () => {
    const exact = Buffer.concat([PNG_1X1, Buffer.alloc(MAX - PNG_1X1.length)]);
    const res = await upload(exact, 'image/png');
    expect(res.status).toBe(201);
    expect((await res.json()).size).toBe(MAX);
  });
});

describe('GET /v1/uploads/{id}', () => {
  it('serves the bytes with their type and headers that keep them inert', async () => {
    const { url } = await (await upload(PNG_1X1, 'image/png')).json();
    const res = await fetch(`${base}${url}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; sandbox; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="upload"');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), PNG_1X1)).toBe(0);
    const head = await fetch(`${base}${url}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(PNG_1X1.length));
  });

  it('answers 404 not_found for unknown or malformed ids', async () => {
    for (const id of ['u_AAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2F..%2Fetc%2Fpasswd']) {
      const res = await fetch(`${base}/v1/uploads/${id}`);
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
  });

  it('leaves other paths to the next handler and answers unknown methods 404', async () => {
    expect((await fetch(`${base}/v1/conversations`)).status).toBe(418);
    expect((await fetch(`${base}/v1/uploads/x/y`)).status).toBe(418);
    const del = await fetch(`${base}/v1/uploads/u_AAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE' });
    expect(del.status).toBe(404);
  });
});

describe('without a store', () => {
  it('answers 503 unavailable', async () => {
    const s = await serve(undefined);
    try {
      const res = await fetch(`${s.base}/v1/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', authorization: 'Bearer tok-alice' },
        body: PNG_1X1,
      });
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('unavailable');
      expect((await fetch(`${s.base}/v1/uploads/u_AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(503);
    } finally {
      s.server.close();
    }
  });

  it('answers 503 when the store fails', async () => {
    const broken: UploadStore = {
      put: () => Promise.reject(new Error('connection refused')),
      get: () => Promise.reject(new Error('connection refused')),
      quotaWait: () => Promise.reject(new Error('connection refused')),
    };
    const s = await serve(broken);
    try {
      const res = await fetch(`${s.base}/v1/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', authorization: 'Bearer tok-alice' },
        body: PNG_1X1,
      });
      expect(res.status).toBe(503);
    } finally {
      s.server.close();
    }
  });
});
