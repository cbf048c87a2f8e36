import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxSite } from '../deploy/nginx/render.ts';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { RawClient } from './helpers/ws-client.ts';

/**
 * A chat through Debian's nginx, natively, with deploy/nginx/nginx.conf (the file compose
 * runs) in front of two real gateway processes, and every process's /metrics showing the
 * traffic it carried. (test/nginx.int.test.ts checks the config itself against stand-ins.)
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

let cluster: Cluster;
let dir: string;
let nginx: ChildProcess;
let nginxOutput = '';
let base: string;
const servicePorts: Record<string, number> = {};
const clients: RawClient[] = [];

/** The port a service logged at start ("health and metrics on ..."): startCluster picks it. */
function loggedPort(logs: string): number {
  for (const line of logs.split('\n')) {
    if (!line.includes('health and metrics on')) continue;
    const port = (JSON.parse(line.slice(line.indexOf('{'))) as { port?: number }).port;
    if (port) return port;
  }
  throw new Error(`no "health and metrics on" line in:\n${logs.slice(-2000)}`);
}

/** The sum of a metric's samples whose line matches `filter`. */
async function metric(url: string, name: string, filter: RegExp = /./): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && filter.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe.skipIf(!NGINX)('a chat through nginx in front of two gateways', () => {
  beforeAll(async () => {
    // info: so that each service logs its metrics port; 1 trusted hop: nginx.
    cluster = await startCluster({ gateways: 2, env: { LOG_LEVEL: 'info', NATTER_TRUST_PROXY_HOPS: '1' } });
    for (const [name, procs] of Object.entries(cluster.services))
      if (procs[0]) servicePorts[name] = loggedPort(procs[0].logs());
    dir = mkdtempSync(path.join(tmpdir(), 'natter-nginx-chat-'));
    const port = await freePort();
    const conf = renderNginxSite({
      dir,
      listenPort: port,
      gateways: cluster.gateways.map((g) => `127.0.0.1:${g.port}`),
    });
    base = `127.0.0.1:${port}`;
    nginx = spawn(
      NGINX!,
      ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log'), '-g', `pid ${dir}/nginx.pid; daemon off;`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    nginx.stdout?.on('data', (d) => {
      nginxOutput += d;
    });
    nginx.stderr?.on('data', (d) => {
      nginxOutput += d;
    });
    await waitFor(async () => (await fetch(`http://${base}/readyz`)).ok, {
      what: `nginx on ${base} (output: ${nginxOutput})`,
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carries DMs both ways and a room message between sessions on different gateways', async () => {
    const url = `ws://${base}/ws`;
    const a = await RawClient.hello(url, { token: await token('alice') });
    const b = await RawClient.hello(url, { token: await token('bob') });
    clients.push(a.client, b.client);
    // least_conn: the second held connection goes to the gateway that holds none.
    expect(new Set([a.hello.gateway, b.hello.gateway])).toEqual(new Set(['gw-1', 'gw-2']));

    for (let i = 0; i < 5; i++) {
      expect(await a.client.ok('send', { to: 'user:bob', cid: `a-${i}`, text: `to bob ${i}` })).toMatchObject(
        { conv: 'dm:alice:bob' },
      );
      expect(
        await b.client.ok('send', { to: 'user:alice', cid: `b-${i}`, text: `to alice ${i}` }),
      ).toMatchObject({ conv: 'dm:alice:bob' });
    }
    const toBob = await b.client.waitMessages('dm:alice:bob', 5);
    const toAlice = await a.client.waitMessages('dm:alice:bob', 5);
    expect(toBob.map((m) => m.text)).toEqual([0, 1, 2, 3, 4].map((i) => `to bob ${i}`));
    expect(toAlice.map((m) => m.text)).toEqual([0, 1, 2, 3, 4].map((i) => `to alice ${i}`));

    await a.client.ok('join', { room: 'lobby' });
    await b.client.ok('join', { room: 'lobby' });
    await a.client.ok('send', { to: 'room:lobby', cid: 'r-1', text: 'hello lobby' });
    expect((await b.client.waitMessages('room:lobby', 1))[0]).toMatchObject({
      from: 'alice',
      text: 'hello lobby',
    });

    // The HTTP API through nginx too.
    const res = await fetch(`http://${base}/v1/conversations`, {
      headers: { authorization: `Bearer ${await token('bob')}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { convs: unknown[] }).convs).toContainEqual({
      conv: 'dm:alice:bob',
      seq: 10,
      ver: 10,
      // bob wrote seq 10, and a sender has read what it wrote; so has alice, up to 9.
      read: 10,
      peer: { received: 9, read: 9 },
    });
    // nginx does not publish /metrics; each process is scraped on its own port.
    expect((await fetch(`http://${base}/metrics`)).status).toBe(404);
  });

  it("shows on each process's /metrics the traffic it carried", async () => {
    for (const gw of cluster.gateways) {
      expect(
        await metric(gw.metrics, 'natter_gateway_frames_in_total', /op="send"/),
        `${gw.id} frames in`,
      ).toBeGreaterThanOrEqual(5);
      expect(
        await metric(gw.metrics, 'natter_gateway_frames_out_total'),
        `${gw.id} frames out`,
      ).toBeGreaterThan(10);
      expect(await metric(gw.metrics, 'natter_gateway_sends_total', /kind="user"/), `${gw.id} sends`).toBe(5);
      expect(
        await metric(gw.metrics, 'natter_gateway_deliveries_total', /kind="dm"/),
        `${gw.id} deliveries`,
      ).toBeGreaterThanOrEqual(5);
      // Each gateway appended its sessions' DMs itself (docs/design.md, "A DM's path").
      expect(
        await metric(gw.metrics, 'natter_history_sends_total', /kind="dm",duplicate="false"/),
        `${gw.id} DMs stored`,
      ).toBe(5);
      expect(await metric(gw.metrics, 'natter_gateway_sessions'), `${gw.id} sessions`).toBe(1);
    }
    // One gateway sent the room message, the other delivered it.
    const roomSends = await Promise.all(
      cluster.gateways.map((g) => metric(g.metrics, 'natter_gateway_sends_total', /kind="room"/)),
    );
    expect(roomSends.sort()).toEqual([0, 1]);
    const svc = (name: string) => `http://127.0.0.1:${servicePorts[name]}`;
    // History stored the room message; the DMs were the gateways'.
    expect(await metric(svc('history'), 'natter_history_sends_total')).toBe(1);
    // DMs reach gateways by their users' subjects; presence only tracks who is online.
    expect(
      await metric(svc('presence'), 'natter_presence_transitions_total', /online="true"/),
    ).toBeGreaterThanOrEqual(2);
    expect(await metric(svc('rooms'), 'natter_rooms_requests_total', /op="rooms\.join",outcome="ok"/)).toBe(
      2,
    );
  });
});
