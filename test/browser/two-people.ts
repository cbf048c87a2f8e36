import type { Browser, BrowserContext, BrowserContextOptions, Locator } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.ts';
import { ChatPage } from './chat-page.ts';
import { ensureWebBuilt, launchChromium, screenshotsDir, WEB_DIST } from './chromium.ts';

type Viewport = { width: number; height: number };
type Gateway = Cluster['gateways'][number];

export interface TwoPeople {
  alice: ChatPage;
  bob: ChatPage;
  /** Where screenshots go (see screenshotsDir), ending in '/'. */
  shots: string;
  cluster: Cluster;
  /** A new browser context (closed after the suite), for a third person's page. */
  context(
    viewport?: Viewport,
    extra?: Pick<BrowserContextOptions, 'isMobile' | 'ignoreHTTPSErrors'>,
  ): Promise<BrowserContext>;
}

export interface TwoPeopleOptions {
  /** Gateway and service settings over open mode and the built web client. */
  env?: Record<string, string>;
  gatewayEnv?: (ports: number[]) => Record<string, string>;
  /** Every context's viewport unless it names its own. */
  viewport?: Viewport;
  /** Granted to every context. */
  permissions?: string[];
  /** The address of Alice's page; gateway 1's page by default. */
  alicePage?: (gw1: Gateway, gw2: Gateway) => string;
}

/**
 * The web client suites (web.int.test.ts, web-hosts.int.test.ts): Alice's page is served by
 * gateway 1 and given both gateways (`?ws=`, allowed by NATTER_WEB_GATEWAYS), Bob's by
 * gateway 2; remote attachments are allowed, to show how the page treats them when a server
 * takes them; pages may use the microphone.
 */
export const BOTH_GATEWAYS: TwoPeopleOptions = {
  env: { NATTER_REMOTE_ATTACHMENTS: 'allow' },
  // The second gateway is another origin, so the gateways must name it as an allowed one.
  gatewayEnv: (ports) => ({ NATTER_WEB_GATEWAYS: ports.map((p) => `ws://127.0.0.1:${p}`).join(',') }),
  viewport: { width: 1280, height: 800 },
  permissions: ['microphone'],
  alicePage: (gw1, gw2) => `${gw1.http}/?ws=${gw1.url},${gw2.url}`,
};

/**
 * Registers the hooks of a suite of two people in real Chromium on the distributed system
 * (real NATS, Redis, Postgres; open mode): Alice's page from gateway 1, Bob's from
 * gateway 2. The returned object has both pages once the suite's beforeAll has run.
 */
export function twoPeople(options: TwoPeopleOptions = {}): TwoPeople {
  const shots = screenshotsDir();
  let cluster: Cluster | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const people = { shots: shots.dir } as TwoPeople;
  people.context = async (viewport = options.viewport ?? { width: 1100, height: 760 }, extra = {}) => {
    const ctx = await browser!.newContext({ viewport, deviceScaleFactor: 1, ...extra });
    if (options.permissions) await ctx.grantPermissions(options.permissions);
    contexts.push(ctx);
    return ctx;
  };
  beforeAll(async () => {
    ensureWebBuilt();
    // An empty secret is "unset": the gateways run in open mode, so a person signs in by name.
    cluster = await startCluster({
      env: { NATTER_JWT_SECRET: '', NATTER_AUTH: 'open', NATTER_WEB_DIR: WEB_DIST, ...options.env },
      gatewayEnv: options.gatewayEnv,
    });
    people.cluster = cluster;
    browser = await launchChromium();
    const [gw1, gw2] = cluster.gateways;
    const alicePage = options.alicePage?.(gw1!, gw2!) ?? `${gw1!.http}/`;
    people.alice = await ChatPage.open(await people.context(), 'alice', alicePage);
    people.bob = await ChatPage.open(await people.context(), 'bob', `${gw2!.http}/`);
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
