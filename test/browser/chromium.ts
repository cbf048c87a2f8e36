import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEB_DIST = new URL('../../web/dist', import.meta.url).pathname;
const ENSURE_BUILT = new URL('../../web/ensure-built.mjs', import.meta.url).pathname;

/** Builds web/dist if it is missing or older than its sources (the same check as `npm start`). */
export function ensureWebBuilt(): void {
  const r = spawnSync(process.execPath, [ENSURE_BUILT], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(`${WEB_DIST}/index.html`)) throw new Error('building web/dist failed');
}

/**
 * Debian's Chromium, headless, never a downloaded browser. The fake media flags give
 * MediaRecorder a microphone (a beep) without a prompt, for voice messages.
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/**
 * Where screenshots for the READMEs go: docs/screenshots with NATTER_SCREENSHOTS=1 (after a
 * UI change), else a temporary folder, so a test run leaves the work tree clean. `clean`
 * removes the temporary one.
 */
export function screenshotsDir(): { dir: string; clean(): void } {
  if (process.env.NATTER_SCREENSHOTS) {
    const dir = new URL('../../docs/screenshots/', import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    return { dir, clean: () => undefined };
  }
  const dir = `${mkdtempSync(path.join(tmpdir(), 'natter-shots-'))}/`;
  return { dir, clean: () => rmSync(dir, { recursive: true, force: true }) };
}
