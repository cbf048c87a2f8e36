import { NatterClient } from '@natter/client';
import type { WebSocketRoute } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Cluster } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { stripesPng } from './png.ts';
import { BOTH_GATEWAYS, twoPeople } from './two-people.ts';

/**
 * The web client in real Chromium against the distributed system: two gateways, each
 * service in its own process, real NATS, Redis and Postgres. Alice's page is served by
 * gateway 1 and given both gateways (`?ws=`, allowed by NATTER_WEB_GATEWAYS), Bob's by
 * gateway 2 (two-people.ts, BOTH_GATEWAYS). They use it the way a person does: typing,
 * pressing Enter, clicking, dropping files.
 */
const people = twoPeople(BOTH_GATEWAYS);
const { context } = people;
let cluster: Cluster;
let alice: ChatPage;
let bob: ChatPage;
let SHOTS: string;

beforeAll(() => {
  ({ alice, bob, cluster, shots: SHOTS } = people);
});

describe('the web client, two browsers on two gateways', () => {
  it('signs in by name and chats in a room both ways', async () => {
    await alice.page.locator('#signin-name').waitFor();
    await alice.page.screenshot({ path: `${SHOTS}sign-in.png` });
    await alice.signIn();
    await bob.signIn();
    await alice.joinRoom('general');
    await bob.joinRoom('general');

    await alice.send('Hello from alice 👋');
    await bob.sees('Hello from alice 👋');
    await bob.send('Hi alice! Bob here.\nTwo lines, and a link: https://example.com/docs.');
    await alice.sees('Two lines, and a link');
    const link = alice.page.locator('.list a', { hasText: 'https://example.com/docs' });
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await link.getAttribute('target')).toBe('_blank');
  });

  it('shows who is online and who is typing', async () => {
    await alice.page.locator('.member[data-user="bob"] .dot.online').waitFor();
    await bob.page.locator('.member[data-user="alice"] .dot.online').waitFor();
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('I am typing someth');
    await alice.page.locator('.typing', { hasText: 'bob is typing…' }).waitFor();
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('');
  });

  it('uploads images by button and by drag-and-drop; they render in the other browser', async () => {
    const png = stripesPng(480, 300);
    await alice.page.locator('.composer input[type=file]').setInputFiles({
      name: 'stripes.png',
      mimeType: 'image/png',
      buffer: png,
    });
    const loaded = (n: number) =>
      bob.page.waitForFunction(
        (count) =>
          [...document.querySelectorAll<HTMLImageElement>('.list img.att-image')].filter(
            (i) => i.complete && i.naturalWidth > 0,
          ).length >= count,
        n,
      );
    await loaded(1);
    const first = bob.page.locator('.list img.att-image').first();
    expect(await first.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([
      480, 300,
    ]);

    // Dropped onto the conversation, like a file dragged from the desktop.
    const small = stripesPng(200, 120).toString('base64');
    await alice.page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      const chat = document.querySelector('.chat')!;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        chat.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    }, small);
    await loaded(2);

    // The upload is served inert: its own type, no sniffing, no scripts.
    const src = (await first.getAttribute('src'))!;
    expect(src).toMatch(/^\/v1\/uploads\/u_[A-Za-z0-9_-]{22}$/);
    const res = await fetch(`${cluster.gateways[0]!.http}${src}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');

    // Click to open the viewer, Esc to close it.
    await first.click();
    await bob.page.locator('dialog.viewer[open] img').waitFor();
    await bob.page.keyboard.press('Escape');
    await bob.page.locator('dialog.viewer[open]').waitFor({ state: 'detached' });

    await alice.send('Nice stripes, right? 🎨');
    await bob.sees('Nice stripes, right?');
    await alice.page.screenshot({ path: `${SHOTS}room.png` });
  });

  it('sends an image pasted into the message box; it renders in the other browser', async () => {
    // What a paste of a copied image (a screenshot, say) delivers: a paste event on the box
    // whose clipboardData carries the file. The composer takes the files and keeps the
    // browser from pasting anything as text.
    const png = stripesPng(160, 100).toString('base64');
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    const prevented = await box.evaluate((input, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const clipboardData = new DataTransfer();
      clipboardData.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      const paste = new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true });
      return !input.dispatchEvent(paste);
    }, png);
    expect(prevented).toBe(true);

    const pasted = bob.page.locator('.list img.att-image[alt="pasted.png"]');
    await bob.page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('.list img.att-image[alt="pasted.png"]')].some(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    expect(await pasted.count()).toBe(1);
    expect(await pasted.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([
      160, 100,
    ]);
    expect(await pasted.getAttribute('src')).toMatch(/^\/v1\/uploads\/u_/);
    expect(await box.inputValue()).toBe('');
  });

  it('records a voice message with the microphone and plays it in the other browser', async () => {
    const mic = alice.page.getByRole('button', { name: 'Record a voice message' });
    await mic.click();
    await alice.page.locator('.recording', { hasText: /Recording 0:0[1-9]/ }).waitFor();
    await alice.page.getByRole('button', { name: 'Stop and send the voice message' }).click();
    const audio = bob.page.locator('.list .att-audio audio').first();
    await audio.waitFor();
    // Metadata loads only if the bytes are a real recording the browser can decode.
    await bob.page.waitForFunction(
      () => (document.querySelector('.list .att-audio audio') as HTMLAudioElement).readyState >= 1,
    );
    expect(await audio.getAttribute('src')).toMatch(/^\/v1\/uploads\/u_/);
  });

  it('sends a direct message, counts it unread, and shows "seen" when read', async () => {
    await alice.page.getByRole('button', { name: 'New direct message' }).click();
    await alice.page.locator('dialog[open] input[name=user]').fill('bob');
    await alice.page.keyboard.press('Enter');
    await alice.page.locator('.chat-title', { hasText: '@bob' }).waitFor();
    await alice.send('psst, bob: lunch at noon?');

    const dm = bob.page.locator('.conv-item', { hasText: 'alice' });
    await dm.locator('.badge', { hasText: '1' }).waitFor();
    await dm.click();
    await bob.sees('psst, bob: lunch at noon?');
    await alice.page.locator('.msg.mine .status', { hasText: 'seen' }).waitFor();
    await bob.send('Sure! 🍕');
    await alice.sees('Sure! 🍕');
    await expect.poll(() => dm.locator('.badge').count()).toBe(0);
    await bob.page.screenshot({ path: `${SHOTS}dm.png` });
  });

  it('marks a send the server refuses "not sent — tap to retry", and retrying sends it once', async () => {
    // What the client marks failed: the SDK outbox retries `disconnected`, `timeout`,
    // `unavailable` and `rate_limited` with the same cid (so a dropped connection or a
    // stopped service only delays a send) and fails it for good on any other error.
    // `too_large` cannot come from this page (the box's maxlength is the server's limit) and
    // would fail again on retry. So, as it happens to people: erin writes in a room while her
    // browser is offline, and meanwhile leaves that room on her phone. Back online, the queued
    // send is `forbidden` (not a member). She joins again on the phone and taps retry.
    const gw2 = cluster.gateways[1]!;
    const ctx = await context();
    let online = true;
    const live: WebSocketRoute[] = [];
    // The page's WebSockets go through Playwright; offline, each one (the SDK keeps
    // reconnecting) is closed at once.
    await ctx.routeWebSocket(/\/ws$/, (ws) => {
      if (online) live.push(ws, ws.connectToServer());
      else void ws.close();
    });
    const erin = await ChatPage.open(ctx, 'erin', `${gw2.http}/`);
    // Her phone is on erin's gateway, so its leave and join are in force there once answered.
    const phone = new NatterClient({ url: gw2.url, WebSocket, user: 'erin', device: 'phone' });
    await phone.connect({ timeoutMs: 5000 });
    try {
      await erin.signIn();
      await erin.joinRoom('drafts');
      await bob.joinRoom('drafts');
      await erin.send('before the tunnel');
      await bob.sees('before the tunnel');

      online = false;
      await Promise.all(live.splice(0).map((ws) => ws.close()));
      await erin.page.locator('.banner', { hasText: 'Reconnecting' }).waitFor();
      await erin.send('written in the tunnel');
      await erin.page
        .locator('.msg.pending', { hasText: 'written in the tunnel' })
        .locator('.status', { hasText: 'sending…' })
        .waitFor();
      await erin.page.locator('.banner', { hasText: '1 message will be sent when back' }).waitFor();
      await phone.leave('drafts');
      online = true;

      // A control for keyboards and screen readers too: a button by role, used with Enter.
      const retry = erin.page
        .locator('.msg.failed', { hasText: 'written in the tunnel' })
        .getByRole('button', { name: 'not sent — tap to retry' });
      await retry.waitFor();
      await erin.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
      expect(await bob.messageTexts()).not.toContain('written in the tunnel');

      await phone.join('drafts');
      await retry.focus();
      await retry.press('Enter');
      await bob.sees('written in the tunnel');
      const sent = erin.page.locator('.list .msg.mine', { hasText: 'written in the tunnel' });
      await erin.page
        .locator('.list .msg.mine:not(.pending):not(.failed)', { hasText: 'written in the tunnel' })
        .waitFor();
      expect(await sent.count()).toBe(1);
      expect(await sent.locator('.status').textContent()).toBe('');
      // A later message arrives after anything the retry could have stored twice.
      await erin.send('out of the tunnel');
      await bob.sees('out of the tunnel');
      const texts = await bob.messageTexts();
      expect(texts.filter((t) => t === 'written in the tunnel')).toHaveLength(1);
      expect(texts.slice(-3)).toEqual(['before the tunnel', 'written in the tunnel', 'out of the tunnel']);
      expect(erin.errors).toEqual([]);
    } finally {
      phone.close();
      await ctx.close();
    }
  });

  it('shows markup and scripts sent as text as text, and runs none of it', async () => {
    await alice.openConv('general');
    await bob.openConv('general');
    const attacks = [
      '<script>window.__xss = 1; alert("script")</script>',
      '<img src=x onerror="window.__xss = 2; alert(\'img\')">',
      'javascript:alert(3) <a href="javascript:alert(4)">click</a>',
    ];
    for (const a of attacks) await alice.send(a);
    for (const a of attacks) await bob.sees(a);
    const texts = await bob.messageTexts();
    for (const a of attacks) expect(texts).toContain(a);
    const dom = await bob.page.evaluate(() => ({
      scripts: document.querySelectorAll('.list script').length,
      imgs: document.querySelectorAll('.list img:not(.att-image)').length,
      badLinks: [...document.querySelectorAll<HTMLAnchorElement>('.list a')].filter(
        (a) => !/^https?:$/.test(a.protocol),
      ).length,
      xss: (window as { __xss?: unknown }).__xss,
    }));
    expect(dom).toEqual({ scripts: 0, imgs: 0, badLinks: 0, xss: undefined });
    expect(bob.dialogs).toEqual([]);
    expect(alice.dialogs).toEqual([]);
  });

  it('shows the history after a reload, and pages back through it by scrolling up', async () => {
    // 120 messages from a bot (the Node SDK), more than one page.
    const carol = new NatterClient({
      url: cluster.gateways[1]!.url,
      WebSocket,
      user: 'carol',
      device: 'test',
    });
    await carol.connect({ timeoutMs: 5000 });
    await carol.join('archive');
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => carol.send('room:archive', { text: `archive ${i + 1}` })),
    );
    carol.close();

    await bob.page.reload();
    await bob.page.locator('.chat-title', { hasText: 'general' }).waitFor();
    await bob.sees('Hello from alice 👋');
    await bob.sees('Nice stripes, right?');

    await bob.joinRoom('archive');
    await bob.sees('archive 120');
    const first = bob.page.locator('.list .text').filter({ hasText: /^archive 1$/ });
    await expect
      .poll(
        async () => {
          await bob.page.locator('.messages').evaluate((el) => {
            el.scrollTop = 0;
          });
          return first.count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    const seqs = await bob.page
      .locator('.list .item')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    await bob.page.locator('.history-top', { hasText: 'beginning of the conversation' }).waitFor();
    await bob.openConv('general');
  });

  it('survives the death of its gateway: a banner, then the other gateway, and nothing lost', async () => {
    await alice.page.evaluate(() => {
      const log: string[] = [];
      (window as { __banners?: string[] }).__banners = log;
      const banner = document.querySelector('.banner')!;
      new MutationObserver(() =>
        log.push(banner.hasAttribute('hidden') ? '' : (banner.textContent ?? '')),
      ).observe(banner, {
        attributes: true,
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await cluster.gateways[0]!.proc.kill('SIGKILL');
    const during = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
    for (const t of during) await bob.send(t);
    await alice.send('alice made it back');

    for (const t of during) await alice.sees(t);
    await bob.sees('alice made it back');
    const banners = await alice.page.evaluate(() => (window as { __banners?: string[] }).__banners ?? []);
    expect(banners.some((b) => b.includes('Reconnecting'))).toBe(true);
    await alice.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
    const texts = await alice.messageTexts();
    for (const t of [...during, 'alice made it back', 'Hello from alice 👋']) {
      expect(
        texts.filter((x) => x === t),
        t,
      ).toHaveLength(1);
    }
  });

  it('fits a phone-sized screen', async () => {
    const phone = await ChatPage.open(
      await context({ width: 390, height: 844 }, { isMobile: true }),
      'dana',
      `${cluster.gateways[1]!.http}/`,
    );
    await phone.signIn();
    await phone.joinRoom('general');
    await phone.sees('alice made it back');
    // The conversation takes the whole screen; the list of conversations slid away (it
    // slides with a CSS transition, so wait for it to end).
    await expect
      .poll(() => phone.page.locator('.sidebar').evaluate((el) => el.getBoundingClientRect().right))
      .toBeLessThanOrEqual(0);
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.page.screenshot({ path: `${SHOTS}mobile.png` });
    // The menu button brings it back; Esc closes it again.
    await phone.page.getByRole('button', { name: 'Show conversations' }).click();
    await expect
      .poll(() => phone.page.locator('.sidebar').evaluate((el) => el.getBoundingClientRect().left))
      .toBe(0);
    await phone.page.screenshot({ path: `${SHOTS}mobile-rooms.png` });
    await phone.page.keyboard.press('Escape');
    await expect
      .poll(() => phone.page.locator('.sidebar').evaluate((el) => el.getBoundingClientRect().right))
      .toBeLessThanOrEqual(0);
    expect(phone.errors).toEqual([]);
  });

  it('threw no error in any page', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
