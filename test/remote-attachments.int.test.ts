import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * Remote attachment URLs (anything but this server's own /v1/uploads/<id>) on real parts:
 * two gateways with the default (off) and a third with NATTER_REMOTE_ATTACHMENTS=allow,
 * on the same NATS, Redis, Postgres and services. A remote URL makes every reader's client
 * contact a host the sender chose, so by default neither the WebSocket `send` nor the
 * server API takes one.
 */
let cluster: Cluster;
let allowing: Cluster['gateways'][number];
const clients: RawClient[] = [];

const REFUSED = (i: number) =>
  `attachments.${i}.url: remote URLs are off on this server (NATTER_REMOTE_ATTACHMENTS=allow turns them on)`;
const upload = { url: '/v1/uploads/u_abcdefghijklmnopqrstuv', type: 'image/png', name: 'own.png', size: 3 };
const remote = { url: 'https://tracker.example/pixel.png', type: 'image/png', name: 'pixel.png', size: 3 };

async function hello(url: string, user: string) {
  const r = await RawClient.hello(url, { token: await token(user) });
  clients.push(r.client);
  return r.client;
}

async function postMessage(http: string, body: unknown) {
  const res = await fetch(`${http}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  cluster = await startCluster();
  allowing = await cluster.addGateway({ NATTER_REMOTE_ATTACHMENTS: 'allow' });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('remote attachments, off by default', () => {
  it('refuses them on the WebSocket send, naming the field, and stores nothing', async () => {
    const alice = await hello(cluster.gateways[0]!.url, 'alice');
    const bob = await hello(cluster.gateways[1]!.url, 'bob');
    const one = await alice.request('send', { to: 'user:bob', cid: 'r-1', attachments: [remote] });
    expect(one.error).toEqual({ code: 'bad_request', message: REFUSED(0) });
    // With text, and behind an own upload: the index names the one that is remote.
    const second = await alice.request('send', {
      to: 'user:bob',
      cid: 'r-2',
      text: 'look',
      attachments: [upload, remote],
    });
    expect(second.error).toEqual({ code: 'bad_request', message: REFUSED(1) });

    // The server's own upload path is taken as before; it is the first message stored.
    const ok = await alice.ok('send', { to: 'user:bob', cid: 'r-3', attachments: [upload] });
    expect(ok).toMatchObject({ conv: 'dm:alice:bob', seq: 1 });
    const [m] = await bob.waitMessages('dm:alice:bob', 1);
    expect(m).toMatchObject({ seq: 1, attachments: [upload] });
  });

  it('refuses them on the server API (POST /v1/messages) with 400, naming the field', async () => {
    const member = await hello(cluster.gateways[1]!.url, 'member');
    await member.ok('join', { room: 'deploys' });
    const r = await postMessage(cluster.gateways[0]!.http, {
      from: 'ci',
      to: 'room:deploys',
      cid: 'api-1',
      text: 'build log',
      attachments: [remote],
    });
    expect(r).toEqual({ status: 400, body: { error: { code: 'bad_request', message: REFUSED(0) } } });
    const ok = await postMessage(cluster.gateways[0]!.http, {
      from: 'ci',
      to: 'room:deploys',
      cid: 'api-2',
      attachments: [upload],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ conv: 'room:deploys', seq: 1 });
  });
});

describe('remote attachments with NATTER_REMOTE_ATTACHMENTS=allow', () => {
  it('takes them on the WebSocket send and delivers them, through a refusing gateway too', async () => {
    const carol = await hello(allowing.url, 'carol');
    const dave = await hello(cluster.gateways[1]!.url, 'dave');
    const r = await carol.ok('send', { to: 'user:dave', cid: 'a-1', text: 'a pixel', attachments: [remote] });
    expect(r).toMatchObject({ conv: 'dm:carol:dave', seq: 1 });
    // Only what a client sends is checked: dave's gateway, which refuses remote URLs from
    // its own clients, still delivers a message another gateway stored.
    const [m] = await dave.waitMessages('dm:carol:dave', 1);
    expect(m).toMatchObject({ from: 'carol', text: 'a pixel', attachments: [remote] });
  });

  it('takes them on the server API', async () => {
    const r = await postMessage(allowing.http, {
      from: 'ci',
      to: 'user:dave',
      cid: 'api-allow-1',
      attachments: [remote],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ conv: 'dm:ci:dave', seq: 1 });
  });
});
