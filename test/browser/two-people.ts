import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { ensureWebBuilt, launchChromium, screenshotsDir, WEB_DIST } from './chromium.ts';

export interface TwoPeople {
  alice: ChatPage;
  bob: ChatPage;
  /** Where screenshots go (see screenshotsDir), ending in '/'. */
  shots: string;
}

/**
 * Registers the hooks of a suite of two people in real Chromium on the distributed system
 * (real NATS, Redis, Postgres; open mode): Alice's page from gateway 1, Bob's from
 * gateway 2. The returned object has both pages once the suite's beforeAll has run.
 */
export function twoPeople(): TwoPeople {
  const shots = screenshotsDir();
  let cluster: Cluster | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const people = { shots: shots.dir } as TwoPeople;
  beforeAll(async () => {
    ensureWebBuilt();
    cluster = await startCluster({
      env: { NATTER_JWT_SECRET: '', NATTER_AUTH: 'open', NATTER_WEB_DIR: WEB_DIST },
    });
    const b = await launchChromium();
    browser = b;
    const open = async (name: string, http: string) => {
      const ctx = await b.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
      contexts.push(ctx);
      return ChatPage.open(ctx, name, `${http}/`);
    };
    const [gw1, gw2] = cluster.gateways;
    people.alice = await open('alice', gw1!.http);
    people.bob = await open('bob', gw2!.http);
  });
  afterAll(async () => {
    shots.clean();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await cluster?.stop();
  });
  return people;
}

/** The row of the open conversation's message whose text contains `text`. */
export function row(p: ChatPage, text: string): Locator {
  return p.page.locator('.chat .list .msg').filter({ has: p.page.locator('.text', { hasText: text }) });
}

/** Hovers a message (its actions appear) and clicks one of them. */
export async function act(p: ChatPage, text: string, action: string): Promise<void> {
  const r = row(p, text);
  await r.hover();
  await r.getByRole('button', { name: action, exact: true }).click();
}
