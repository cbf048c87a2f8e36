import { generateKeyPairSync } from 'node:crypto';
import { waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { apiSend, type Cluster, startCluster, token } from './helpers/cluster.ts';
import { LocalApns, LocalFcm, LocalPushService, type Subscriber } from './helpers/push-servers.ts';
import { selfSignedCert } from './helpers/tls.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Push to offline devices (PROTOCOL 1.1 section 4) on the distributed topology (real NATS,
 * Redis, Postgres, each service its own process): Web Push end to end against a local push
 * service that checks VAPID and decrypts the payload with the subscription's private key,
 * FCM and APNs against local servers that check the request and its credentials. The
 * delay is 1 s here; "within the delay plus a second" is what is asserted.
 */
const DELAY_MS = 1000;
const vapid = webpush.generateVAPIDKeys();
const tls = selfSignedCert();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SA = { project_id: 'natter-test', client_email: 'push@natter-test.iam.gserviceaccount.com' };

const pushService = new LocalPushService(tls, vapid.publicKey);
const fcm = new LocalFcm(rsa.publicKey, SA.project_id, SA.client_email);
const apns = new LocalApns(ec.publicKey, 'KEY123ABCD', 'TEAM123456', 'chat.natter.app');
let cluster: Cluster;

async function client(user: string): Promise<RawClient> {
  return (await RawClient.hello(cluster.gateways[0]!.url, { token: await token(user) })).client;
}

const send = (from: string, to: string, text: string) => apiSend(cluster, from, to, text);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const webpushOf = (s: Subscriber) => ({
  provider: 'webpush',
  subscription: { endpoint: s.endpoint, keys: s.keys },
});
const messages = (s: Subscriber) => s.received.filter((d) => d.payload.type === 'message');

beforeAll(async () => {
  await Promise.all([pushService.start(), fcm.start(), apns.start()]);
  cluster = await startCluster({
    gateways: 1,
    push: 1,
    env: {
      NATTER_PUSH_DELAY_MS: String(DELAY_MS),
      NATTER_PUSH_POLL_MS: '50',
      NATTER_VAPID_PUBLIC_KEY: vapid.publicKey,
      NATTER_VAPID_PRIVATE_KEY: vapid.privateKey,
      NATTER_VAPID_SUBJECT: 'mailto:ops@natter.test',
      NATTER_FCM_CREDENTIALS: JSON.stringify({
        type: 'service_account',
        ...SA,
        private_key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      }),
      NATTER_FCM_ENDPOINT: fcm.url,
      NATTER_FCM_TOKEN_URL: `${fcm.url}/token`,
      NATTER_APNS_KEY: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      NATTER_APNS_KEY_ID: 'KEY123ABCD',
      NATTER_APNS_TEAM_ID: 'TEAM123456',
      NATTER_APNS_TOPIC: 'chat.natter.app',
      NATTER_APNS_ENDPOINT: apns.url,
      // The push service trusts the local push service's self-signed certificate.
      NODE_EXTRA_CA_CERTS: tls.certFile,
    },
  });
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([pushService.stop(), fcm.stop(), apns.stop()]);
});

describe('push', () => {
  it('refuses devices past the limits, naming the field; only the caller unregisters their own', async () => {
    const c = await client('rita');
    const sub = pushService.subscribe();
    const refused = async (params: Record<string, unknown>, field: RegExp) => {
      const r = await c.request('push.register', params);
      expect(r.error?.code).toBe('bad_request');
      expect(r.error?.message).toMatch(field);
    };
    await refused(
      { provider: 'webpush', subscription: { endpoint: 'http://push.example/x', keys: sub.keys } },
      /^subscription\.endpoint: must be an https/,
    );
    await refused(
      {
        provider: 'webpush',
        subscription: { endpoint: `https://p.example/${'x'.repeat(2048)}`, keys: sub.keys },
      },
      /^subscription\.endpoint/,
    );
    await refused(
      { provider: 'webpush', subscription: { endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: 'abc' } } },
      /^subscription\.keys\.p256dh/,
    );
    await refused(
      {
        provider: 'webpush',
        subscription: { endpoint: sub.endpoint, keys: { ...sub.keys, auth: '!!!!!!!!!!!!!!!!!!!!!!' } },
      },
      /^subscription\.keys\.auth/,
    );
    await refused({ provider: 'fcm', token: 'x'.repeat(4097) }, /^token/);
    await refused({ provider: 'apns', token: 'has spaces in it' }, /^token/);
    await refused({ provider: 'sms', token: 'abcdefgh1234' }, /^provider/);
    const r = await c.request('push.unregister', { device: 'nope' });
    expect(r.error?.code).toBe('bad_request');
    expect(r.error?.message).toMatch(/^device/);

    // At most 10: the 11th drops the oldest.
    const ids: string[] = [];
    for (let i = 0; i < 11; i++)
      ids.push((await c.ok('push.register', { provider: 'fcm', token: `rita-token-${i}` })).device as string);
    expect(ids[0]).toMatch(/^d_[A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(11);
    expect((await c.request('push.unregister', { device: ids[0] })).error?.code).toBe('not_found');
    // The same token again is the same device.
    expect((await c.ok('push.register', { provider: 'fcm', token: 'rita-token-5' })).device).toBe(ids[5]);

    // Another user cannot remove rita's device.
    const m = await client('mallory');
    const other = await m.request('push.unregister', { device: ids[1] });
    expect(other.error?.code).toBe('not_found');
    await c.ok('push.unregister', { device: ids[1] });
    for (const id of ids.slice(2)) await c.ok('push.unregister', { device: id });
    c.ws.close();
    m.ws.close();
  });

  it('pushes an offline DM recipient once per conversation within the delay plus a second, collapsed, to every provider', async () => {
    const bob = await client('bob');
    const sub = pushService.subscribe();
    await bob.ok('push.register', webpushOf(sub));
    await bob.ok('push.register', { provider: 'fcm', token: 'bob-fcm-token' });
    await bob.ok('push.register', { provider: 'apns', token: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
    bob.ws.close();
    await sleep(300); // bob's last session gone

    const t0 = Date.now();
    await send('alice', 'user:bob', 'first');
    await send('alice', 'user:bob', 'second');
    const last = await send('alice', 'user:bob', 'are you there?');
    await waitFor(() => messages(sub).length >= 1, { timeoutMs: DELAY_MS + 1000 + 500 });
    expect(Date.now() - t0).toBeLessThan(DELAY_MS + 1000 + 500);
    await sleep(DELAY_MS);
    expect(messages(sub)).toHaveLength(1);
    const note = messages(sub)[0]!;
    expect(note.payload).toMatchObject({
      type: 'message',
      conv: 'dm:alice:bob',
      seq: last.seq,
      from: 'alice',
      text: 'are you there?',
      count: 3,
      title: '3 new messages from alice',
    });
    expect(note.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(pushService.rejected).toBe(0);

    await waitFor(() => fcm.sent.some((s) => s.token === 'bob-fcm-token'), { timeoutMs: 2000 });
    const f = fcm.sent.filter((s) => s.token === 'bob-fcm-token');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatchObject({
      notification: { title: '3 new messages from alice', body: 'are you there?' },
      data: { conv: 'dm:alice:bob', seq: String(last.seq), count: '3' },
    });
    expect(fcm.rejected).toBe(0);
    await waitFor(() => apns.sent.length >= 1, { timeoutMs: 2000 });
    const a = apns.sent.filter((s) => s.token === 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(a).toHaveLength(1);
    expect(a[0]!.body).toMatchObject({
      aps: { alert: { title: '3 new messages from alice' }, 'thread-id': 'dm:alice:bob' },
    });
    expect(a[0]!.headers['apns-collapse-id']).toMatch(/^.{1,64}$/);
    expect(apns.rejected).toBe(0);

    // A read past them clears them (Web Push: a `clear` the service worker acts on).
    const back = await client('bob');
    await back.ok('read', { conv: 'dm:alice:bob', seq: last.seq });
    await waitFor(() => sub.received.some((d) => d.payload.type === 'clear'), { timeoutMs: 5000 });
    expect(sub.received.find((d) => d.payload.type === 'clear')!.payload).toEqual({
      type: 'clear',
      conv: 'dm:alice:bob',
    });
    back.ws.close();
  });

  it('pushes nothing to a recipient whose session marks the message received within the delay', async () => {
    const carol = await client('carol');
    const sub = pushService.subscribe();
    await carol.ok('push.register', webpushOf(sub));
    carol.events.length = 0;
    const sent = await send('alice', 'user:carol', 'you are online');
    const [m] = await carol.waitMessages('dm:alice:carol', 1);
    expect(m!.seq).toBe(sent.seq);
    await carol.ok('received', { conv: 'dm:alice:carol', seq: sent.seq });
    await sleep(DELAY_MS + 1000);
    expect(sub.received).toEqual([]);
    carol.ws.close();
  });

  it('follows notify levels: mentions by default in rooms, all, none', async () => {
    const dave = await client('dave');
    const erin = await client('erin');
    await dave.ok('create', { room: 'pushroom' });
    await erin.ok('join', { room: 'pushroom' });
    const sub = pushService.subscribe();
    await erin.ok('push.register', webpushOf(sub));
    // Refusals: a bad level, a conversation erin is not in, an `until` in the past.
    expect((await erin.request('notify', { conv: 'room:pushroom', level: 'loud' })).error?.message).toMatch(
      /^level/,
    );
    expect((await erin.request('notify', { conv: 'room:elsewhere', level: 'all' })).error?.code).toBe(
      'forbidden',
    );
    expect(
      (await erin.request('notify', { conv: 'room:pushroom', level: 'all', until: '2000-01-01T00:00:00Z' }))
        .error?.message,
    ).toMatch(/^until/);
    erin.ws.close();
    await sleep(300);

    await send('dave', 'room:pushroom', 'nothing for erin');
    await sleep(DELAY_MS + 1000);
    expect(messages(sub)).toHaveLength(0);

    await send('dave', 'room:pushroom', 'hey @erin look');
    await waitFor(() => messages(sub).length === 1, { timeoutMs: DELAY_MS + 1500 });
    expect(messages(sub)[0]!.payload).toMatchObject({
      conv: 'room:pushroom',
      title: '#pushroom',
      body: 'dave: hey @erin look',
    });

    const e2 = await client('erin');
    await e2.ok('notify', { conv: 'room:pushroom', level: 'all' });
    await e2.ok('read', { conv: 'room:pushroom', seq: 2 });
    e2.ws.close();
    await sleep(DELAY_MS + 2500); // the read clears the earlier push first
    await send('dave', 'room:pushroom', 'plain but erin wants all');
    await waitFor(() => messages(sub).length === 2, { timeoutMs: DELAY_MS + 1500 });

    const e3 = await client('erin');
    await e3.ok('notify', { conv: 'room:pushroom', level: 'none' });
    e3.ws.close();
    await send('dave', 'room:pushroom', '@erin even a mention');
    await sleep(DELAY_MS + 1000);
    expect(messages(sub)).toHaveLength(2);

    // hello's convs list each level in force: erin's choice, else the default.
    await send('dave', 'user:erin', 'a dm');
    const { client: e4, hello } = await RawClient.hello(cluster.gateways[0]!.url, {
      token: await token('erin'),
    });
    const convs = hello.convs as { conv: string; notify?: string }[];
    expect(convs.find((c) => c.conv === 'room:pushroom')?.notify).toBe('none');
    expect(convs.find((c) => c.conv === 'dm:dave:erin')?.notify).toBe('all');
    e4.ws.close();
    dave.ws.close();
  });

  it('unregisters a device the provider reports gone (Web Push 410, FCM UNREGISTERED, APNs 410)', async () => {
    const fay = await client('fay');
    const dead = pushService.subscribe(true);
    const w = (await fay.ok('push.register', webpushOf(dead))).device;
    fcm.gone.add('fay-fcm-gone');
    const f = (await fay.ok('push.register', { provider: 'fcm', token: 'fay-fcm-gone' })).device;
    apns.gone.add('ffff0000ffff0000ffff0000ffff0000');
    const a = (await fay.ok('push.register', { provider: 'apns', token: 'ffff0000ffff0000ffff0000ffff0000' }))
      .device;
    fay.ws.close();
    await sleep(300);
    await send('gus', 'user:fay', 'anyone home?');
    await sleep(DELAY_MS + 1500);
    const again = await client('fay');
    for (const device of [w, f, a]) {
      expect((await again.request('push.unregister', { device })).error?.code, String(device)).toBe(
        'not_found',
      );
    }
    again.ws.close();
  });

  it('survives a SIGKILL of the push service between the message and its push (at least once)', async () => {
    const hal = await client('hal');
    const sub = pushService.subscribe();
    await hal.ok('push.register', webpushOf(sub));
    hal.ws.close();
    await sleep(300);
    const [push] = cluster.services.push;
    await send('ivy', 'user:hal', 'sent just before the crash');
    await sleep(200); // read into push_pending, not yet due
    await push!.kill('SIGKILL');
    await send('ivy', 'user:hal', 'sent while push is down');
    await push!.restart();
    await waitFor(() => messages(sub).length >= 1, { timeoutMs: DELAY_MS + 10_000 });
    await sleep(DELAY_MS);
    expect(messages(sub)).toHaveLength(1);
    expect(messages(sub)[0]!.payload).toMatchObject({ count: 2, text: 'sent while push is down' });
  });
});
