import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloRecorded, type Recording } from './asyncapi/recorder.ts';
import { API_KEY, type Cluster, startCluster, token } from './helpers/cluster.ts';
import type { Frame, RawClient } from './helpers/ws-client.ts';

/**
 * The AsyncAPI document that a gateway serves at /v1/asyncapi.json, checked against real
 * frames: three users chat through a gateway on real NATS, Redis and Postgres (services in
 * their own processes), every frame each connection sends and receives is recorded, and
 * every recorded frame must be one of the document's messages, in the right direction,
 * with no field the document does not name (a stricter reading than the document's own,
 * which lets clients ignore unknown fields).
 */
type Doc = {
  asyncapi: string;
  operations: Record<string, { action: 'send' | 'receive'; messages: { $ref: string }[] }>;
  components: { schemas: Record<string, unknown> };
};

// The ops and events of protocol 1.0, which the scenario below exercises. An op or event
// added to the protocol later is checked here as soon as the scenario uses it.
const OPS_1_0 = ['hello', 'refresh', 'send', 'join', 'create', 'invite', 'leave', 'rooms', 'members'];
const MORE_OPS_1_0 = ['history', 'watch', 'unwatch', 'typing', 'read', 'ping'];
// Protocol 1.1's message lifecycle (`refetch` needs 500 changes and is left to
// test/lifecycle-replay.int.test.ts).
const OPS_1_1 = [
  'edit',
  'delete',
  'react',
  'unreact',
  'pin',
  'unpin',
  'pins',
  'received',
  'receipts',
  'invites',
  'decline',
];
const EVENTS_1_1 = ['edit', 'delete', 'reaction', 'pin', 'thread', 'update', 'received', 'invited'];
const EVENTS_1_0 = [
  'message',
  'gap',
  'synced',
  'joined',
  'left',
  'presence',
  'typing',
  'read',
  'bye',
  'error',
];

let cluster: Cluster;
let doc: Doc;
const recordings: Recording[] = [];

/** Adds additionalProperties: false to every object schema that lists its properties. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closed(v);
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) {
    out.additionalProperties = false;
  }
  return out;
}

beforeAll(async () => {
  cluster = await startCluster({
    gateways: 1,
    env: {
      NATTER_REMOTE_ATTACHMENTS: 'allow',
      NATTER_RATE_SENDS_BURST: '1000',
      NATTER_USER_SENDS_PER_MIN: '100000',
    },
  });
  const gw = cluster.gateways[0]!;
  const res = await fetch(`${gw.http}/v1/asyncapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;

  const url = gw.url;
  const alice = await helloRecorded(url, 'alice', recordings, {
    token: await token('alice'),
    device: 'test',
  });
  const bob = await helloRecorded(url, 'bob', recordings, { token: await token('bob') });
  const carol = await helloRecorded(url, 'carol', recordings, { token: await token('carol') });

  await alice.ok('create', { room: 'lobby' });
  await bob.ok('join', { room: 'lobby' });
  await alice.waitEvent((f) => f.ev === 'joined' && f.user === 'bob');
  await alice.ok('create', { room: 'backroom', private: true });
  expect((await bob.request('join', { room: 'backroom' })).error?.code).toBe('forbidden');
  expect((await bob.request('create', { room: 'lobby' })).error?.code).toBe('conflict');
  await alice.ok('invite', { room: 'backroom', user: 'carol' });
  await carol.waitEvent((f) => f.ev === 'invited' && f.room === 'backroom');
  await carol.ok('invites', {});
  await alice.ok('invite', { room: 'backroom', user: 'bob' });
  await bob.ok('decline', { room: 'backroom' });
  await carol.ok('join', { room: 'backroom' });
  // A request without id that fails answers with an `error` event.
  bob.sendRaw(JSON.stringify({ op: 'join', room: 'backroom' }));
  await bob.waitEvent((f) => f.ev === 'error');

  await alice.ok('send', {
    to: 'room:lobby',
    cid: 'c-1',
    text: 'hello 👋',
    attachments: [{ url: 'https://example.com/a.png', type: 'image/png', name: 'a.png', size: 10, width: 2 }],
  });
  await bob.waitMessages('room:lobby', 1);
  await bob.ok('send', { to: 'user:alice', cid: 'd-1', text: 'hi alice' });
  await alice.waitMessages('dm:alice:bob', 1);
  await alice.ok('received', { conv: 'dm:alice:bob', seq: 1 });
  await bob.waitEvent((f) => f.ev === 'received');
  await alice.ok('receipts', { conv: 'room:lobby', seq: 1 });
  await bob.ok('typing', { to: 'room:lobby' });
  await alice.waitEvent((f) => f.ev === 'typing');
  await bob.ok('read', { conv: 'room:lobby', seq: 1 });
  await alice.waitEvent((f) => f.ev === 'read');
  // The message lifecycle: a reply with a mention, an edit, reactions, pins, a delete.
  await alice.ok('send', { to: 'room:lobby', cid: 'c-2', text: '@bob see above', reply: 1 });
  await bob.waitMessages('room:lobby', 2);
  await alice.ok('edit', { conv: 'room:lobby', seq: 2, text: '@bob see the first one' });
  await bob.waitEvent((f) => f.ev === 'edit');
  await bob.ok('react', { conv: 'room:lobby', seq: 1, emoji: '👍' });
  await bob.ok('unreact', { conv: 'room:lobby', seq: 1, emoji: '👍' });
  await alice.waitEvent((f) => f.ev === 'reaction' && f.on === false);
  await alice.ok('pin', { conv: 'room:lobby', seq: 1 });
  await bob.waitEvent((f) => f.ev === 'pin');
  await bob.ok('pins', { conv: 'room:lobby' });
  await alice.ok('unpin', { conv: 'room:lobby', seq: 1 });
  // A reply in the thread of message 1: the thread's message, the root's summary.
  await bob.ok('send', { to: 'thread:room:lobby:1', cid: 't-1', text: 'in a thread @alice' });
  await alice.waitMessages('thread:room:lobby:1', 1);
  await alice.waitEvent((f) => f.ev === 'thread');
  await alice.ok('history', { conv: 'thread:room:lobby:1' });
  await alice.ok('delete', { conv: 'room:lobby', seq: 2 });
  await bob.waitEvent((f) => f.ev === 'delete');
  // Changes while a session was away come back as `update` and `delete` with {seq, ver}.
  const d2 = (await bob.ok('send', { to: 'user:alice', cid: 'd-2', text: 'to be deleted' })) as {
    ver: number;
  };
  await alice.ok('react', { conv: 'dm:alice:bob', seq: 1, emoji: '🎉' });
  await bob.ok('delete', { conv: 'dm:alice:bob', seq: 2 });
  const resumed = await helloRecorded(url, 'bob resuming a DM', recordings, {
    token: await token('bob'),
    since: { 'dm:alice:bob': { seq: 2, ver: d2.ver } },
  });
  await resumed.waitEvent((f) => f.ev === 'synced');
  expect(resumed.events.map((f) => f.ev)).toEqual(expect.arrayContaining(['update', 'delete']));
  resumed.close();

  await alice.ok('rooms', { public: true, limit: 10 });
  await alice.ok('members', { room: 'lobby' });
  await alice.ok('history', { conv: 'room:lobby', limit: 10 });
  await alice.ok('history', { conv: 'dm:alice:bob', before: 5 });
  await alice.ok('ping');
  await alice.ok('refresh', { token: await token('alice') });
  await alice.ok('watch', { users: ['carol', 'bob'] });
  carol.close();
  await alice.waitEvent((f) => f.ev === 'presence' && f.user === 'carol' && f.online === false);
  await alice.ok('unwatch', { users: ['carol'] });

  // More than the replay limit while bob is away: his resume gets a `gap`, then the rest.
  for (let i = 0; i < 502; i++) {
    const r = await fetch(`${cluster.gateways[0]!.http}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'system', to: 'room:lobby', cid: `bulk-${i}`, text: `bulk ${i}` }),
    });
    expect(r.status).toBe(200);
  }
  const bob2 = await helloRecorded(url, 'bob again', recordings, {
    token: await token('bob'),
    since: { 'room:lobby': 1 },
  });
  expect(bob2.events.some((f) => f.ev === 'gap')).toBe(true);
  await bob2.ok('leave', { room: 'lobby' });
  await alice.waitEvent((f) => f.ev === 'left' && f.user === 'bob');
  // A draining gateway says `bye` to every session.
  const byes = [alice, bob, bob2].map((c: RawClient) => c.waitEvent((f) => f.ev === 'bye'));
  await cluster.gateways[0]!.proc.kill('SIGTERM');
  await Promise.all(byes);
}, 120_000);

afterAll(async () => {
  for (const r of recordings) r.client.close();
  await cluster?.stop();
});

describe('real frames against the AsyncAPI document', () => {
  it('is AsyncAPI 3.0 and every recorded frame is a message it defines, in its direction', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: closed(doc.components) });
    const messageOf = (ref: string) => ref.split('/').pop()!;
    const direction = new Map<string, 'send' | 'receive'>();
    for (const op of Object.values(doc.operations)) {
      for (const m of op.messages) direction.set(messageOf(m.$ref), op.action);
    }
    const check = (frame: Frame, message: string, where: string) => {
      const validate = ajv.getSchema(`doc#/components/schemas/${message}`);
      expect(validate, `${where}: ${message} is in the document`).toBeDefined();
      expect(
        validate!(frame),
        `${where}: ${ajv.errorsText(validate!.errors)}\n${JSON.stringify(frame)}`,
      ).toBe(true);
      exercised.add(message);
    };
    const exercised = new Set<string>();
    let frames = 0;
    for (const r of recordings) {
      const ops = new Map<unknown, string>();
      for (const f of r.sent) {
        const message = `${String(f.op)}Request`;
        expect(direction.get(message), `${r.name} sent ${message}`).toBe('receive');
        if (f.id !== undefined) ops.set(f.id, String(f.op));
        check(f, message, `${r.name} sent`);
        frames++;
      }
      for (const f of r.received) {
        const message =
          f.ev !== undefined ? `${f.ev}Event` : f.error ? 'ErrorReply' : `${ops.get(f.re) ?? '?'}Reply`;
        if (f.ev !== undefined) expect(direction.get(message), `${r.name} got ${message}`).toBe('send');
        check(f, message, `${r.name} received`);
        frames++;
      }
    }
    expect(frames).toBeGreaterThan(500);
    const wanted = [
      ...[...OPS_1_0, ...MORE_OPS_1_0, ...OPS_1_1].flatMap((op) => [`${op}Request`, `${op}Reply`]),
      ...[...EVENTS_1_0, ...EVENTS_1_1].map((ev) => `${ev}Event`),
      'ErrorReply',
    ];
    expect(wanted.filter((m) => !exercised.has(m))).toEqual([]);
  });
});
