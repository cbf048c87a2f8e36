import { NatterClient } from '@natter/client';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cluster, startCluster } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { ensureWebBuilt, launchChromium, WEB_DIST } from './chromium.ts';

/**
 * Desktop notifications of the web client (issue 14 item 4) in real Chromium against the
 * distributed system: while the tab is hidden, a DM and a mention each show one through the
 * Notification API (the page calls the real one; an init script wraps it to record the
 * calls, and overrides document.visibilityState, since a headless tab is never hidden);
 * a plain room message, a visible tab or the setting turned off show none; clicking opens
 * the conversation; the title and the favicon badge count unread.
 */
let cluster: Cluster;
let browser: Browser;
let ctx: BrowserContext;
let page: ChatPage;
let dan: NatterClient;

/** Records every `new Notification` and lets the test hide the tab. */
const RECORDER = () => {
  const w = window as unknown as Record<string, unknown>;
  const Real = window.Notification;
  const notes: { title: string; body?: string; tag?: string }[] = [];
  w.__notes = notes;
  function Recording(title: string, opts?: NotificationOptions) {
    notes.push({ title, body: opts?.body, tag: opts?.tag });
    const n = new Real(title, opts);
    w.__lastNote = n;
    return n;
  }
  Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
  (Recording as unknown as { requestPermission: unknown }).requestPermission = () => Real.requestPermission();
  w.Notification = Recording;
  let hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => hidden });
  w.__setHidden = (v: boolean) => {
    hidden = v;
    document.dispatchEvent(new Event('visibilitychange'));
  };
};

const notes = () => page.page.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes);
const setHidden = (v: boolean) =>
  page.page.evaluate((x) => (window as unknown as { __setHidden(v: boolean): void }).__setHidden(x), v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ensureWebBuilt();
  cluster = await startCluster({
    gateways: 1,
    env: { NATTER_JWT_SECRET: '', NATTER_AUTH: 'open', NATTER_WEB_DIR: WEB_DIST },
  });
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.grantPermissions(['notifications'], { origin: cluster.gateways[0]!.http });
  await ctx.addInitScript(RECORDER);
  page = await ChatPage.open(ctx, 'nora', `${cluster.gateways[0]!.http}/`);
  dan = new NatterClient({ url: cluster.gateways[0]!.url, WebSocket, user: 'dan', device: 'test' });
  await dan.connect({ timeoutMs: 5000 });
});

afterAll(async () => {
  dan?.close();
  await ctx?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await cluster?.stop();
});

describe('desktop notifications', () => {
  it('shows one for a DM and a mention while the tab is hidden, none otherwise; a click opens the conversation', async () => {
    await page.signIn();
    await page.joinRoom('notes');
    await dan.join('notes');
    const toggle = page.page.locator('#desktop-notifications');
    await expect(toggle.isChecked()).resolves.toBe(false);

    // Off (the default): nothing, even hidden.
    await setHidden(true);
    await dan.send('user:nora', { text: 'before the toggle' });
    await sleep(800);
    expect(await notes()).toEqual([]);

    // On (the permission is granted to the context, so the request answers at once).
    await setHidden(false);
    await toggle.check();
    await expect(toggle.isChecked()).resolves.toBe(true);
    // Visible: nothing.
    await dan.send('user:nora', { text: 'while you look' });
    await page.page.locator('.conv-item', { hasText: 'dan' }).waitFor();
    await sleep(500);
    expect(await notes()).toEqual([]);

    await setHidden(true);
    await dan.send('room:notes', { text: 'nothing for nora here' });
    await dan.send('user:nora', { text: 'psst' });
    await dan.send('room:notes', { text: 'look @nora' });
    await page.page.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length >= 2);
    await sleep(500);
    expect(await notes()).toEqual([
      { title: 'dan', body: 'psst', tag: 'dm:dan:nora' },
      { title: 'dan in notes', body: 'look @nora', tag: 'room:notes' },
    ]);

    // Hidden, the title and the favicon badge count what is unread.
    await page.page.waitForFunction(() => /^\(\d+\) Natter$/.test(document.title));
    const icon = await page.page.locator('link[rel=icon]').getAttribute('href');
    expect(icon).toMatch(/^data:image\/svg\+xml,/);
    const badge = await page.page.locator('link[rel=icon]').getAttribute('data-unread');
    expect(titleCount(await page.page.title())).toBe(Number(badge));

    // Clicking the last notification (the mention's) focuses the tab on its conversation.
    await page.page.evaluate(() => {
      const n = (window as unknown as { __lastNote: Notification }).__lastNote;
      n.onclick?.(new Event('click'));
    });
    await page.page.locator('.chat-title', { hasText: 'notes' }).waitFor();
    expect(await page.page.evaluate(() => decodeURIComponent(location.hash))).toBe('#room:notes');

    // Turned off again: nothing more.
    await setHidden(false);
    await toggle.uncheck();
    await setHidden(true);
    await dan.send('user:nora', { text: 'after the toggle' });
    await sleep(800);
    expect(await notes()).toHaveLength(2);
    expect(page.errors).toEqual([]);
  });
});

function titleCount(title: string): number {
  return Number(/^\((\d+)\)/.exec(title)?.[1] ?? 0);
}
