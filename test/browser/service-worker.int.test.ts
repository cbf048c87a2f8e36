import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';

/**
 * web/public/sw.js in real Chromium: a Web Push message (delivered through the DevTools
 * protocol, as the browser's push service would hand it over) shows the conversation's
 * notification when no tab is open, one per conversation, and a `clear` closes it.
 */
const SW = readFileSync(new URL('../../web/public/sw.js', import.meta.url), 'utf8');
let server: Server;
let origin = '';
let browser: Browser;
let ctx: BrowserContext;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/sw.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(SW);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>natter</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  ctx = await browser.newContext();
  await ctx.grantPermissions(['notifications'], { origin });
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function shown(page: Page): Promise<{ title: string; body: string; tag: string }[]> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
  });
}

describe('the service worker', () => {
  it('shows one notification per conversation while no tab is visible, and clears it', async () => {
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const registered = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
        const r = e.registrations.find((x) => x.scopeURL.startsWith(origin) && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    await page.goto(`${origin}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });
    const registrationId = await registered;
    // No tab of the app: the worker shows what arrives.
    await page.goto('about:blank');
    const push = (data: object) =>
      cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(data) });
    const msg = { type: 'message', conv: 'room:general', seq: 3, mid: 'm_1', from: 'alice', count: 1 };
    await push({ ...msg, text: 'hi', title: '#general', body: 'alice: hi' });
    await push({
      ...msg,
      seq: 4,
      text: 'again',
      count: 2,
      title: '2 new messages in #general',
      body: 'alice: again',
    });
    await push({ ...msg, conv: 'dm:alice:bob', title: 'alice', body: 'psst' });

    const viewer = await ctx.newPage();
    await viewer.goto(`${origin}/`);
    await expect.poll(() => shown(viewer), { timeout: 5000 }).toHaveLength(2);
    const notes = await shown(viewer);
    expect(notes).toEqual(
      expect.arrayContaining([
        { title: '2 new messages in #general', body: 'alice: again', tag: 'natter:room:general' },
        { title: 'alice', body: 'psst', tag: 'natter:dm:alice:bob' },
      ]),
    );
    await push({ type: 'clear', conv: 'room:general' });
    await expect
      .poll(async () => (await shown(viewer)).map((n) => n.tag), { timeout: 5000 })
      .toEqual(['natter:dm:alice:bob']);
  });
});
