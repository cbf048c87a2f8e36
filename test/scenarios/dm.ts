import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { token } from '../helpers/cluster.ts';
import { type Frame, RawClient } from '../helpers/ws-client.ts';

/** Where the DM scenario runs: two gateways (or one gateway twice, in single-node mode). */
export interface DmTarget {
  gateways: { id?: string; url: string; http: string }[];
  stop(): Promise<void>;
}

/**
 * Direct messages end to end: alice on one gateway, bob with two sessions on the other.
 * Run against the distributed system (dm.int.test.ts) and single-node mode
 * (single-node.int.test.ts) alike.
 */
export function dmScenario(start: () => Promise<DmTarget>) {
  let cluster: DmTarget;
  let alice: RawClient;
  let bob1: RawClient;
  let bob2: RawClient;
  const clients: RawClient[] = [];

  async function hello(gw: number, user: string, extra: Record<string, unknown> = {}) {
    const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) }, extra);
    clients.push(r.client);
    return r;
  }

  function seqs(frames: Frame[]): number[] {
    return frames.map((f) => f.seq as number);
  }

  beforeAll(async () => {
    cluster = await start();
    ({ client: alice } = await hello(0, 'alice'));
    ({ client: bob1 } = await hello(1, 'bob'));
    ({ client: bob2 } = await hello(1, 'bob'));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  describe('direct messages across two gateways', () => {
    it('delivers both ways, to the sender’s other sessions and never back to the sending session', async () => {
      const r1 = await alice.ok('send', { to: 'user:bob', cid: 'a-1', text: 'hi bob 👋' });
      expect(r1).toMatchObject({ conv: 'dm:alice:bob', seq: 1 });
      expect(r1.mid).toMatch(/^m_/);
      expect(r1.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const [m1] = await bob1.waitMessages('dm:alice:bob', 1);
      await bob2.waitMessages('dm:alice:bob', 1);
      expect(m1).toMatchObject({
        ev: 'message',
        conv: 'dm:alice:bob',
        seq: 1,
        from: 'alice',
        text: 'hi bob 👋',
        cid: 'a-1',
      });
      expect(m1.mid).toBe(r1.mid);

      const r2 = await bob1.ok('send', { to: 'user:alice', cid: 'b-1', text: 'hello alice' });
      expect(r2).toMatchObject({ conv: 'dm:alice:bob', seq: 2 });
      await alice.waitMessages('dm:alice:bob', 1);
      await bob2.waitMessages('dm:alice:bob', 2);
      expect(alice.messages('dm:alice:bob').map((m) => m.text)).toEqual(['hello alice']);
      expect(seqs(bob2.messages('dm:alice:bob'))).toEqual([1, 2]);
      // The sending session does not get its own message back.
      await alice.ok('ping');
      expect(seqs(bob1.messages('dm:alice:bob'))).toEqual([1]);
    });

    it('answers a retried cid with the first result and stores nothing new', async () => {
      const first = await alice.ok('send', { to: 'user:bob', cid: 'retry-1', text: 'once' });
      const again = await alice.ok('send', { to: 'user:bob', cid: 'retry-1', text: 'once' });
      expect(again).toEqual(first);
      const page = await alice.ok('history', { conv: 'dm:alice:bob' });
      const texts = (page.messages as Frame[]).map((m) => m.text);
      expect(texts.filter((t) => t === 'once')).toHaveLength(1);
      expect(seqs(page.messages as Frame[])).toEqual([1, 2, 3]);
    });

    it('serves history over WebSocket and HTTP, only to the conversation’s users', async () => {
      const page = await bob2.ok('history', { conv: 'dm:alice:bob', before: 3, limit: 1 });
      expect(seqs(page.messages as Frame[])).toEqual([2]);
      expect(page.more).toBe(true);
      const after = await bob2.ok('history', { conv: 'dm:alice:bob', after: 1 });
      expect(seqs(after.messages as Frame[])).toEqual([2, 3]);
      expect(after.more).toBe(false);

      const { client: carol } = await hello(0, 'carol');
      const denied = await carol.request('history', { conv: 'dm:alice:bob' });
      expect(denied.error?.code).toBe('forbidden');

      const http = cluster.gateways[1].http;
      const auth = { authorization: `Bearer ${await token('bob')}` };
      const convs = await (await fetch(`${http}/v1/conversations`, { headers: auth })).json();
      expect(convs.convs).toContainEqual({
        conv: 'dm:alice:bob',
        seq: 3,
        ver: 3,
        read: 2,
        peer: { received: 3, read: 3 },
      });
      const res = await fetch(
        `${http}/v1/conversations/${encodeURIComponent('dm:alice:bob')}/messages?limit=2`,
        {
          headers: auth,
        },
      );
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(seqs(body.messages)).toEqual([2, 3]);
      const forbidden = await fetch(`${http}/v1/conversations/dm:alice:bob/messages`, {
        headers: { authorization: `Bearer ${await token('carol')}` },
      });
      expect(forbidden.status).toBe(403);
      expect((await forbidden.json()).error.code).toBe('forbidden');
      const anonymous = await fetch(`${http}/v1/conversations`);
      expect(anonymous.status).toBe(401);
    });

    it('lists the DM in hello for a new session', async () => {
      const { hello: h } = await hello(0, 'alice');
      const entry = (h.convs as { conv: string; notify?: string }[]).find((c) => c.conv === 'dm:alice:bob');
      expect(entry).toEqual({
        conv: 'dm:alice:bob',
        seq: 3,
        ver: 3,
        read: 3,
        peer: { received: 2, read: 2 },
        // Where a push service runs (single-node mode): the level in force, a DM's default.
        ...(entry?.notify === undefined ? {} : { notify: 'all' }),
      });
      expect(h.user).toBe('alice');
      if (cluster.gateways[0].id) expect(h.gateway).toBe(cluster.gateways[0].id);
    });

    it('gives 1000 concurrent sends from two senders seq 1..1000, in order for every receiver', async () => {
      const { client: dan } = await hello(0, 'dan');
      const { client: erin } = await hello(1, 'erin');
      const { client: erin2 } = await hello(0, 'erin');
      const conv = 'dm:dan:erin';
      const sends: Promise<Record<string, unknown>>[] = [];
      for (let i = 0; i < 500; i++) {
        sends.push(dan.ok('send', { to: 'user:erin', cid: `d-${i}`, text: `d${i}` }));
        sends.push(erin.ok('send', { to: 'user:dan', cid: `e-${i}`, text: `e${i}` }));
      }
      const results = await Promise.all(sends);
      expect(results.map((r) => r.seq as number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
      // Each session receives every message it did not send, in seq order, exactly once.
      const danGot = seqs(await dan.waitMessages(conv, 500));
      const erinGot = seqs(await erin.waitMessages(conv, 500));
      const erin2Got = seqs(await erin2.waitMessages(conv, 1000));
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      for (const got of [danGot, erinGot, erin2Got]) {
        expect(got).toEqual(sorted(got));
        expect(new Set(got).size).toBe(got.length);
      }
      expect(erin2Got).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      const danSent = new Set(results.filter((_, i) => i % 2 === 0).map((r) => r.seq));
      expect(danGot.every((s) => !danSent.has(s))).toBe(true);
      expect(danGot).toHaveLength(500);
      expect(erinGot).toHaveLength(500);
    });
  });

  describe('bad input', () => {
    async function expectStillServing() {
      const r = await alice.ok('send', {
        to: 'user:bob',
        cid: `alive-${Date.now()}-${Math.random()}`,
        text: 'still here',
      });
      expect(r.seq).toBeGreaterThan(0);
    }

    it('closes 4000 on a frame that is not JSON, not an object, or binary', async () => {
      for (const payload of ['{not json', '[1,2]', '"str"', '42']) {
        const c = await RawClient.connect(cluster.gateways[0].url);
        c.sendRaw(payload);
        expect((await c.waitClose()).code).toBe(4000);
      }
      const bin = await RawClient.connect(cluster.gateways[0].url);
      bin.sendRaw(Buffer.from('{"id":1,"op":"ping"}'), true);
      expect((await bin.waitClose()).code).toBe(4000);
      await expectStillServing();
    });

    it('closes 1009 on a frame over 64 KiB', async () => {
      const c = await RawClient.connect(cluster.gateways[0].url);
      c.sendRaw(JSON.stringify({ id: 1, op: 'ping', pad: 'x'.repeat(65 * 1024) }));
      expect((await c.waitClose()).code).toBe(1009);
      await expectStillServing();
    });

    it('answers unauthenticated before hello and bad_request for unknown ops and wrong types', async () => {
      const c = await RawClient.connect(cluster.gateways[1].url);
      clients.push(c);
      const early = await c.request('send', { to: 'user:bob', cid: 'x', text: 'x' });
      expect(early.error?.code).toBe('unauthenticated');
      await c.ok('hello', { token: await token('frank') });
      const unknown = await c.request('teleport', {});
      expect(unknown.error).toMatchObject({ code: 'bad_request' });
      expect(unknown.error?.message).toMatch(/teleport/);
      const wrong = await c.request('send', { to: 42, cid: 'x', text: 'x' });
      expect(wrong.error?.code).toBe('bad_request');
      expect(wrong.error?.message).toMatch(/^to:/);
      const badTarget = await c.request('send', { to: 'user:no spaces', cid: 'x', text: 'x' });
      expect(badTarget.error?.code).toBe('bad_request');
      const noCid = await c.request('send', { to: 'user:bob', text: 'x' });
      expect(noCid.error?.message).toMatch(/^cid:/);
      const long = await c.request('send', { to: 'user:bob', cid: 'long', text: 'é'.repeat(4001) });
      expect(long.error?.code).toBe('too_large');
      const empty = await c.request('send', { to: 'user:bob', cid: 'empty' });
      expect(empty.error?.code).toBe('bad_request');
      const badUrl = await c.request('send', {
        to: 'user:bob',
        cid: 'att',
        attachments: [{ url: 'javascript:alert(1)', type: 'image/png', name: 'x.png', size: 1 }],
      });
      expect(badUrl.error?.code).toBe('bad_request');
      expect(badUrl.error?.message).toMatch(/attachments\.0\.url/);
      const second = await c.request('hello', { token: await token('frank') });
      expect(second.error?.code).toBe('bad_request');
      // A request without id that fails gets an error event.
      c.sendRaw(JSON.stringify({ op: 'send', to: 'nowhere', cid: 'x', text: 'x' }));
      const ev = await c.waitEvent((f) => f.ev === 'error');
      expect(ev).toMatchObject({ op: 'send', error: { code: 'bad_request' } });
      // Nothing of it was stored.
      const convs =
        (await c.ok('ping')) &&
        (await fetch(`${cluster.gateways[1].http}/v1/conversations`, {
          headers: { authorization: `Bearer ${await token('frank')}` },
        }).then((r) => r.json()));
      expect(convs.convs).toEqual([]);
      await expectStillServing();
    });

    it('refuses bad, expired and alg:none tokens', async () => {
      const url = cluster.gateways[0].url;
      const cases = [
        'not-a-jwt',
        await token('mallory', { secret: 'some-other-secret-0123456789abcdef' }),
        await token('mallory', { expSec: -60 }),
        // alg:none: header {"alg":"none"}, no signature.
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 3600 }),
        ).toString('base64url')}.`,
      ];
      for (const t of cases) {
        const c = await RawClient.connect(url);
        const r = await c.request('hello', { token: t });
        expect(r.error?.code).toBe('unauthenticated');
        const after = await c.request('ping');
        expect(after.error?.code).toBe('unauthenticated');
        c.close();
      }
      const open = await RawClient.connect(url);
      const named = await open.request('hello', { user: 'mallory' });
      expect(named.error?.code).toBe('unauthenticated');
      open.close();
      await expectStillServing();
    });
  });
}
