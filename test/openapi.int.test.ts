import { loadConfig } from '@natter/config';
import { openapiDocument } from '@natter/gateway';
import { createLogger } from '@natter/log';
import { launch, type SingleNode } from '@natter/natter';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, JWT_SECRET, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * The OpenAPI document served at /v1/openapi.json, checked against real answers of a live
 * single-node Natter (real Postgres): every response below must have a status the document
 * lists for its operation, that status's content type, and a body its schema accepts.
 */
type Doc = ReturnType<typeof openapiDocument>;
type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };

let pg: PostgresHandle;
let node: SingleNode;
let base: string;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const exercised = new Set<string>();
const clients: RawClient[] = [];

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100' +
    '05fe02fea70000000049454e44ae426082',
  'hex',
);

const pointer = (...parts: string[]) =>
  `#/${parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;

/** Fetches and checks the answer against the document; returns it for the test's own assertions. */
async function call(method: string, template: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}${path}`, { ...init, method });
  const op = (doc.paths as Record<string, Record<string, Operation>>)[template]?.[method.toLowerCase()];
  expect(op, `${method} ${template} is in the document`).toBeDefined();
  const status = String(res.status);
  const documented = op.responses[status];
  const bodyText = Buffer.from(await res.arrayBuffer());
  expect(
    documented,
    `${method} ${path} answered ${status}, which the document does not list: ${bodyText.toString().slice(0, 200)}`,
  ).toBeDefined();
  exercised.add(`${method} ${template} ${status}`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const content = documented.content;
  if (content) {
    expect(Object.keys(content), `${method} ${path} ${status} content type`).toContain(type);
    if (type === 'application/json') {
      const validate = ajv.getSchema(
        `api${pointer('paths', template, method.toLowerCase(), 'responses', status, 'content', type, 'schema')}`,
      );
      expect(validate, 'schema compiles').toBeDefined();
      const body = JSON.parse(bodyText.toString());
      const ok = validate!(body);
      expect(
        ok,
        `${method} ${path} ${status}: ${ajv.errorsText(validate!.errors)}\n${bodyText.toString().slice(0, 300)}`,
      ).toBe(true);
      return { res, body, bytes: bodyText };
    }
  }
  return { res, body: undefined, bytes: bodyText };
}

const METRICS_TOKEN = 'openapi-metrics-token-0123456789';
const auth = async (user: string) => ({ authorization: `Bearer ${await token(user)}` });

beforeAll(async () => {
  pg = await startPostgres();
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: await pg.createDatabase(),
    NATTER_JWT_SECRET: JWT_SECRET,
    NATTER_API_KEY: API_KEY,
    NATTER_METRICS_TOKEN: METRICS_TOKEN,
    HTTP_PORT: '0',
    // Small enough for 'describes uploads' to pass it with one upload.
    NATTER_UPLOAD_BYTES_PER_DAY: '1000',
    LOG_LEVEL: 'silent',
  });
  node = await launch(config, createLogger({ name: 'openapi-test', level: 'silent' }));
  base = `http://127.0.0.1:${node.gateway.port}`;
  const served = await fetch(`${base}/v1/openapi.json`);
  doc = (await served.json()) as Doc;
  ajv.addSchema(doc, 'api');
  // A little history to read back: a DM both ways and a room message.
  const url = `ws://127.0.0.1:${node.gateway.port}/ws`;
  const { client: alice } = await RawClient.hello(url, { token: await token('alice') });
  const { client: bob } = await RawClient.hello(url, { token: await token('bob') });
  clients.push(alice, bob);
  await alice.ok('send', { to: 'user:bob', cid: 'o-1', text: 'hi bob' });
  await bob.ok('send', { to: 'user:alice', cid: 'o-2', text: 'hi alice' });
  await alice.ok('join', { room: 'general' });
  await alice.ok('send', { to: 'room:general', cid: 'o-3', text: 'hello room' });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await node?.stop();
  await pg?.stop();
});

describe('the OpenAPI document', () => {
  it('is served at /v1/openapi.json, is OpenAPI 3.1, and is the one in the code', async () => {
    const { body } = await call('GET', '/v1/openapi.json', '/v1/openapi.json');
    expect(body).toEqual(JSON.parse(JSON.stringify(openapiDocument())));
    expect(doc.openapi).toBe('3.1.0');
    // Its WebSocket sibling (test/asyncapi.int.test.ts checks frames against it).
    expect((await call('GET', '/v1/asyncapi.json', '/v1/asyncapi.json')).body.asyncapi).toBe('3.0.0');
    // Every schema in it compiles (every $ref resolves).
    for (const name of Object.keys(doc.components.schemas)) {
      expect(ajv.getSchema(`api${pointer('components', 'schemas', name)}`), name).toBeDefined();
    }
  });

  it('describes health, readiness and metrics', async () => {
    expect((await call('GET', '/healthz', '/healthz')).body).toEqual({ ok: true });
    expect((await call('GET', '/readyz', '/readyz')).body).toEqual({ ok: true });
    // On the public port only with the metrics token; single-node serves them open on HTTP_PORT.
    const metrics = await call('GET', '/metrics', '/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.bytes.toString()).toMatch(/natter_gateway_frames_in_total/);
    expect((await call('GET', '/metrics', '/metrics')).res.status).toBe(401);
    const ops = await fetch(`http://127.0.0.1:${node.gateway.httpPort}/metrics`);
    expect(ops.status).toBe(200);
    expect(await ops.text()).toMatch(/natter_gateway_frames_in_total/);
  });

  it('describes the conversation list and history pages, and their errors', async () => {
    const convs = await call('GET', '/v1/conversations', '/v1/conversations', {
      headers: await auth('alice'),
    });
    expect(convs.body.convs).toContainEqual({
      conv: 'dm:alice:bob',
      seq: 2,
      ver: 2,
      read: 1,
      peer: { received: 2, read: 2 },
    });
    await call('GET', '/v1/conversations', '/v1/conversations');
    const t = '/v1/conversations/{conv}/messages';
    const page = await call(
      'GET',
      t,
      `/v1/conversations/${encodeURIComponent('dm:alice:bob')}/messages?limit=1`,
      { headers: await auth('bob') },
    );
    expect(page.body).toMatchObject({ more: true, messages: [{ seq: 2, text: 'hi alice', from: 'bob' }] });
    const room = await call(
      'GET',
      t,
      `/v1/conversations/${encodeURIComponent('room:general')}/messages?after=0`,
      { headers: await auth('alice') },
    );
    expect(room.body.messages).toHaveLength(1);
    await call('GET', t, '/v1/conversations/nonsense/messages', { headers: await auth('alice') });
    await call('GET', t, `/v1/conversations/${encodeURIComponent('dm:alice:bob')}/messages?limit=999`, {
      headers: await auth('alice'),
    });
    await call('GET', t, `/v1/conversations/${encodeURIComponent('dm:alice:bob')}/messages`);
    await call('GET', t, `/v1/conversations/${encodeURIComponent('dm:alice:bob')}/messages`, {
      headers: await auth('carol'),
    });
  });

  it('describes the server API', async () => {
    const key = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const sent = await call('POST', '/v1/messages', '/v1/messages', {
      headers: key,
      body: JSON.stringify({ from: 'system', to: 'room:general', cid: 'deploy-1', text: 'deploy done' }),
    });
    expect(sent.body).toMatchObject({ conv: 'room:general', seq: 2 });
    await call('POST', '/v1/messages', '/v1/messages', {
      headers: { ...key, authorization: 'Bearer wrong' },
      body: '{}',
    });
    await call('POST', '/v1/messages', '/v1/messages', {
      headers: key,
      body: JSON.stringify({ from: 'system', to: 'nowhere', cid: 'x', text: 'x' }),
    });
    await call('POST', '/v1/messages', '/v1/messages', { headers: key, body: 'not json' });
    await call('POST', '/v1/messages', '/v1/messages', {
      headers: key,
      body: JSON.stringify({ from: 'system', to: 'user:bob', cid: 'long', text: 'x'.repeat(5000) }),
    });
  });

  it('describes the event log', async () => {
    const key = { authorization: `Bearer ${API_KEY}` };
    // Single node runs the hooks service in process: the messages and joins above are logged.
    const page = await call('GET', '/v1/events', '/v1/events?limit=3', { headers: key });
    expect(page.body.events).toHaveLength(3);
    const next = await call('GET', '/v1/events', `/v1/events?after=${page.body.next}`, { headers: key });
    expect(next.body.events.length).toBeGreaterThan(0);
    expect(next.body.events[0].cursor).not.toBe(page.body.events[2].cursor);
    await call('GET', '/v1/events', '/v1/events', { headers: { authorization: 'Bearer wrong' } });
    await call('GET', '/v1/events', '/v1/events?after=nope', { headers: key });
  });

  it('describes uploads', async () => {
    const up = await call('POST', '/v1/uploads', '/v1/uploads', {
      headers: { ...(await auth('alice')), 'content-type': 'image/png' },
      body: PNG,
    });
    expect(up.res.status).toBe(201);
    const got = await call('GET', '/v1/uploads/{id}', up.body.url);
    expect(got.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.res.headers.get('content-type')).toBe('image/png');
    expect(got.bytes.equals(PNG)).toBe(true);
    await call('GET', '/v1/uploads/{id}', '/v1/uploads/u_nothing_here_0123456789');
    await call('POST', '/v1/uploads', '/v1/uploads', {
      headers: { ...(await auth('alice')), 'content-type': 'text/html' },
      body: '<b>x</b>',
    });
    await call('POST', '/v1/uploads', '/v1/uploads', { headers: { 'content-type': 'image/png' }, body: PNG });
    const over = await call('POST', '/v1/uploads', '/v1/uploads', {
      headers: { ...(await auth('alice')), 'content-type': 'image/png' },
      body: Buffer.concat([PNG, Buffer.alloc(1000)]),
    });
    expect(over.res.status).toBe(429);
    expect(over.body.error.message).toMatch(/NATTER_UPLOAD_BYTES_PER_DAY/);
    expect(over.res.headers.get('retry-after')).toBe(String(Math.ceil(over.body.error.retryAfter / 1000)));
  });

  it('had every operation of the document exercised', () => {
    const ops = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const seen = new Set([...exercised].map((e) => e.split(' ').slice(0, 2).join(' ')));
    expect(ops.filter((o) => !seen.has(o))).toEqual([]);
  });
});
