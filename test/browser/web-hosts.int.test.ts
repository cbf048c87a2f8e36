import { NatterClient } from '@natter/client';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Cluster } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { countingListener, remoteHost } from './counting-servers.ts';
import { stripesPng } from './png.ts';
import { BOTH_GATEWAYS, twoPeople } from './two-people.ts';

/**
 * The web client and hosts other than its gateways, in real Chromium on the distributed
 * system (two-people.ts, BOTH_GATEWAYS): remote attachments load only on a click, and a
 * `?ws=` naming a host that is not an allowed gateway is ignored.
 */
const people = twoPeople(BOTH_GATEWAYS);
const { context } = people;
let cluster: Cluster;
let alice: ChatPage;
let bob: ChatPage;

beforeAll(async () => {
  ({ alice, bob, cluster } = people);
  // Alice and Bob have the room open: they see what arrives in it.
  for (const p of [alice, bob]) {
    await p.signIn();
    await p.joinRoom('general');
  }
});

describe('the web client and other hosts', () => {
  it('loads a remote image or voice message only when the reader clicks it', async () => {
    // The "remote host": an https server on 127.0.0.1 that counts every connection to it.
    const remote = await remoteHost(stripesPng(120, 80), 'image/png');
    const bot = new NatterClient({ url: cluster.gateways[1]!.url, WebSocket, user: 'hal', device: 'test' });
    try {
      const gina = await ChatPage.open(
        await context(undefined, { ignoreHTTPSErrors: true }),
        'gina',
        `${cluster.gateways[1]!.http}/`,
      );
      await gina.signIn();
      await gina.joinRoom('general');
      await bot.connect({ timeoutMs: 5000 });
      await bot.join('general');
      await bot.send('room:general', {
        text: 'holiday pictures',
        attachments: [
          { url: `${remote.origin}/beach.png`, type: 'image/png', name: 'beach.png', size: 100 },
          {
            url: `${remote.origin}/hello.webm`,
            type: 'audio/webm',
            name: 'hello.webm',
            size: 100,
            duration: 1000,
          },
        ],
      });
      // Three readers have the room open: gina, alice and bob.
      for (const p of [gina, alice, bob]) await p.sees('holiday pictures');
      // Long enough for a lazy image or a media preload to have started.
      await gina.page.waitForTimeout(1000);
      expect(remote.connections()).toBe(0);
      const host = `127.0.0.1:${remote.port}`;
      const image = gina.page.getByRole('button', { name: `Image from ${host} — click to load` });
      const voice = gina.page.getByRole('button', { name: `Voice message from ${host} — click to load` });
      await image.waitFor();
      await voice.waitFor();
      expect(await gina.page.locator('.list img.att-image[alt="beach.png"]').count()).toBe(0);

      await image.click();
      await gina.page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>('.list img.att-image[alt="beach.png"]')].some(
          (i) => i.complete && i.naturalWidth === 120,
        ),
      );
      expect(remote.requests).toEqual(['/beach.png']);
      await voice.click();
      await gina.page.locator('.list .att-audio audio').last().waitFor();
      await expect.poll(() => remote.requests.includes('/hello.webm')).toBe(true);
      // Only gina asked, and only for what she clicked.
      expect(remote.requests.every((r) => r === '/beach.png' || r === '/hello.webm')).toBe(true);
      expect(await bob.page.locator('.list .att-remote').count()).toBe(2);
      expect(gina.errors).toEqual([]);
    } finally {
      bot.close();
      await remote.close();
    }
  });

  it('ignores a ?ws= that is not an allowed gateway, says so, and connects to its own origin', async () => {
    // Two hosts that are not allowed gateways: another address, and another port on the
    // page's own address (a gateway lists the ones it allows in NATTER_WEB_GATEWAYS).
    const [elsewhere, otherPort] = await Promise.all([
      countingListener('127.0.0.2'),
      countingListener('127.0.0.1'),
    ]);
    const bad = [`ws://127.0.0.2:${elsewhere.port}/ws`, `ws://127.0.0.1:${otherPort.port}/ws`];
    try {
      const ivan = await ChatPage.open(
        await context(),
        'ivan',
        `${cluster.gateways[1]!.http}/?ws=${bad.join(',')}`,
      );
      const notice = ivan.page.getByRole('alert');
      for (const url of bad) await notice.getByText(`Ignored ?ws=${url}: not an allowed gateway`).waitFor();
      // It talks to the gateway that served it: signing in and chatting work.
      await ivan.signIn();
      await ivan.joinRoom('general');
      await ivan.send('ivan is here');
      await bob.sees('ivan is here');
      await expect(notice.isVisible()).resolves.toBe(true);
      expect([elsewhere.connections(), otherPort.connections()]).toEqual([0, 0]);
      await notice.getByRole('button', { name: 'Close' }).click();
      await notice.waitFor({ state: 'detached' });
      expect(ivan.errors).toEqual([]);
    } finally {
      await Promise.all([elsewhere.close(), otherPort.close()]);
    }
  });
});
