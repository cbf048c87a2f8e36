import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { ensureWebBuilt, launchChromium, screenshotsDir, WEB_DIST } from './chromium.ts';

/**
 * The web client's first impression (issue 15 item 6), in real Chromium against two
 * gateways with each service in its own process on real NATS, Redis and Postgres, signed
 * in with tokens (keyed mode): emoji in colour and icons as SVG, a member count that agrees
 * with the member list, invitations one can see and answer, a refused token that leads back
 * to sign-in, and an offline banner that shows at once.
 */
const shots = screenshotsDir();
const SHOTS = shots.dir;

let cluster: Cluster;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function context(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1180, height: 760 }, deviceScaleFactor: 1 });
  contexts.push(ctx);
  return ctx;
}

/** Opens the page on gateway `gw` and signs in with a token, as a person pastes one. */
async function signedIn(name: string, gw = 0, jwt?: string): Promise<ChatPage> {
  const p = await ChatPage.open(await context(), name, `${cluster.gateways[gw]!.http}/`);
  await signInWithToken(p.page, jwt ?? (await token(name)));
  await p.page.locator('.sidebar .me-name', { hasText: name }).waitFor();
  await p.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
  return p;
}

async function signInWithToken(page: Page, jwt: string): Promise<void> {
  await page.getByRole('button', { name: 'I have an access token' }).click();
  await page.locator('#signin-token').fill(jwt);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Creates a private room with the join dialog, then invites `user` from the room header. */
async function createPrivateAndInvite(page: Page, room: string, user: string): Promise<void> {
  await page.getByRole('button', { name: 'Join or create a room' }).click();
  await page.locator('dialog[open] input[name=room]').fill(room);
  await page.locator('dialog[open] input[name=private]').check();
  await page.keyboard.press('Enter');
  await page.locator('.chat-title', { hasText: room }).waitFor();
  await page.getByRole('button', { name: 'Invite someone' }).click();
  await page.locator('dialog[open] input[name=user]').fill(user);
  await page.keyboard.press('Enter');
}

/** Pixels of what is on screen in `el` that are clearly coloured (not grey, black or white). */
async function colouredPixels(page: Page, el: Locator): Promise<number> {
  const png = (await el.screenshot()).toString('base64');
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!) > 40) n++;
    }
    return n;
  }, png);
}

beforeAll(async () => {
  ensureWebBuilt();
  // A one-second heartbeat: the gateway checks token expiry once per heartbeat.
  cluster = await startCluster({
    env: { NATTER_WEB_DIR: WEB_DIST, NATTER_HEARTBEAT_SEC: '1' },
    gatewayEnv: (ports) => ({ NATTER_WEB_GATEWAYS: ports.map((p) => `ws://127.0.0.1:${p}`).join(',') }),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  shots.clean();
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await cluster?.stop();
});

describe('the web client, first impression', () => {
  let alice: ChatPage;
  let bob: ChatPage;

  it('draws emoji in colour and the UI glyphs as SVG icons', async () => {
    alice = await signedIn('alice', 0);
    bob = await signedIn('bob', 1);
    await alice.joinRoom('lobby');
    // Each of these has a monochrome glyph in common text fonts (DejaVu Sans), or none.
    for (const e of ['☕', '❤️', '🎨', '✅']) {
      await alice.send(`emoji ${e}`);
      const text = alice.page.locator('.list .text', { hasText: `emoji ${e}` });
      await text.waitFor();
      // The word alone is grey text: the emoji must add the colour.
      // (Polled: a font face is loaded when first needed, and text is drawn again once it is.)
      await expect
        .poll(() => colouredPixels(alice.page, text), { message: `${e} in colour` })
        .toBeGreaterThan(8);
    }
    // The room marks and the message actions are SVG, not characters a font may lack.
    const mark = alice.page.locator('.conv-item', { hasText: 'lobby' }).locator('.conv-icon');
    expect(await mark.locator('svg').count()).toBe(1);
    expect((await mark.textContent())?.trim()).toBe('');
    expect(await alice.page.locator('.chat-title .title-mark svg').count()).toBe(1);
    const headerButtons = await alice.page.locator('.chat-header .icon-btn').allTextContents();
    expect(headerButtons.join('').trim()).toBe('');
  });

  it('counts the same members in the header as in the member panel', async () => {
    // Bob is someone alice already sees (they share a room), as in the trial: his joining a
    // second room then brings no presence news, only the `joined`.
    await bob.joinRoom('lobby');
    await alice.page.locator('.member[data-user="bob"]').waitFor();
    await alice.joinRoom('team');
    await alice.page.locator('.members h2', { hasText: 'Members · 1' }).waitFor();
    await expect.poll(() => alice.page.locator('.chat-subtitle').textContent()).toBe('1 member');
    await bob.joinRoom('team');
    await alice.page.locator('.member[data-user="bob"]').waitFor();
    await alice.page.locator('.members h2', { hasText: 'Members · 2' }).waitFor();
    await expect.poll(() => alice.page.locator('.chat-subtitle').textContent()).toBe('2 members');
    await bob.page.locator('.chat-subtitle', { hasText: '2 members' }).waitFor();
  });

  it('tells an invited user, who can join the private room from the notice or after a reload', async () => {
    await createPrivateAndInvite(alice.page, 'secret', 'bob');
    await alice.page.locator('.chat-title .title-mark[aria-label="private room"] svg').waitFor();

    const notice = bob.page.locator('.invite-notice', { hasText: 'alice invited you to #secret' });
    await notice.waitFor({ timeout: 5000 });
    await bob.page.locator('.invite-list .invite-item[data-room="secret"]').waitFor();
    await bob.page.screenshot({ path: `${SHOTS}invite.png` });

    // After a reload the notice is gone, and the sidebar still lists the invitation.
    await bob.page.reload();
    const item = bob.page.locator('.invite-list .invite-item[data-room="secret"]');
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('from alice');
    await item.getByRole('button', { name: 'Join #secret' }).click();
    await bob.page.locator('.chat-title', { hasText: 'secret' }).waitFor();
    await bob.page.locator('.conv-item', { hasText: 'secret' }).locator('.conv-icon svg').waitFor();
    await expect.poll(() => item.count()).toBe(0);
    await alice.send('welcome, bob');
    await bob.sees('welcome, bob');
  });

  it('drops a declined invitation for good', async () => {
    await createPrivateAndInvite(alice.page, 'hideout', 'bob');

    const notice = bob.page.locator('.invite-notice', { hasText: 'alice invited you to #hideout' });
    await notice.getByRole('button', { name: 'Decline #hideout' }).click();
    await notice.waitFor({ state: 'detached' });
    await bob.page.reload();
    await bob.page.locator('.sidebar .me-name', { hasText: 'bob' }).waitFor();
    await bob.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
    await bob.page.waitForTimeout(500);
    expect(await bob.page.locator('.invite-item[data-room="hideout"]').count()).toBe(0);
    expect(bob.errors).toEqual([]);
    expect(alice.errors).toEqual([]);
  });

  it('goes back to sign-in, with why, when the server refuses the stored token', async () => {
    // A stored token the server does not accept (signed with another key): the sign-in form,
    // a message, and the stored credentials gone.
    const erin = await ChatPage.open(await context(), 'erin', `${cluster.gateways[0]!.http}/`);
    await erin.page.evaluate(
      (t) => localStorage.setItem('natter.credentials', JSON.stringify({ token: t })),
      await token('erin', { secret: 'another-secret-0123456789abcdef0123' }),
    );
    await erin.page.reload();
    await erin.page.locator('.form-error', { hasText: 'That token was not accepted.' }).waitFor();
    await erin.page.locator('#signin-name').waitFor();
    expect(await erin.page.evaluate(() => localStorage.getItem('natter.credentials'))).toBeNull();

    // A token the server accepted, then refuses when it expires while the page is open.
    const frank = await signedIn('frank', 1, await token('frank', { expSec: 4 }));
    expect(await frank.page.evaluate(() => localStorage.getItem('natter.credentials'))).not.toBeNull();
    await frank.page.locator('.form-error', { hasText: 'no longer accepted' }).waitFor({ timeout: 15_000 });
    await frank.page.locator('#signin-name').waitFor();
    expect(await frank.page.locator('.banner').count()).toBe(0);
    expect(await frank.page.evaluate(() => localStorage.getItem('natter.credentials'))).toBeNull();
    // And signing in again works.
    await signInWithToken(frank.page, await token('frank'));
    await frank.page.locator('.sidebar .me-name', { hasText: 'frank' }).waitFor();
    expect(erin.errors).toEqual([]);
    expect(frank.errors).toEqual([]);
  });

  it('shows an offline banner within moments of the network dropping, and hides it when back', async () => {
    const [gw1, gw2] = cluster.gateways;
    // Gina's page comes from gateway 2 and talks to gateway 1 only, so killing that one drops her.
    const ctx = await context();
    const gina = await ChatPage.open(ctx, 'gina', `${gw2!.http}/?ws=${gw1!.url}`);
    await signInWithToken(gina.page, await token('gina'));
    await gina.page.locator('.sidebar .me-name', { hasText: 'gina' }).waitFor();
    await gina.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));

    await ctx.setOffline(true);
    // Generous bound: the point is "at once", not waiting for heartbeats to miss.
    await gina.page
      .locator('.banner[data-state="offline"]', { hasText: 'Offline' })
      .waitFor({ timeout: 3000 });
    await ctx.setOffline(false);
    await gina.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'), null, {
      timeout: 15_000,
    });

    // The gateway dies: the socket closes and the banner says so at once.
    await gw1!.proc.kill('SIGKILL');
    await gina.page.locator('.banner', { hasText: 'Reconnecting' }).waitFor({ timeout: 3000 });
    expect(gina.errors).toEqual([]);
  });
});
