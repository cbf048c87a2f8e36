import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NatterClient } from '@natter/client';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildPackage, packPackage } from '../libs/client/scripts/package.ts';
import { launchChromium } from './browser/chromium.ts';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';

/**
 * The SDK as a product team gets it: `npm pack`ed, installed from the tarball into a folder
 * outside this repository (offline: only the tarball and `ws`, packed from our own
 * node_modules), then used three ways against a live Natter on real NATS, Redis and
 * Postgres: plain Node (ESM and CommonJS, with `ws`), bundled by esbuild for a browser and
 * run in Chromium, and bundled the way Metro resolves (no Node built-ins).
 */
const ROOT = new URL('../', import.meta.url).pathname;
const APP_SRC = new URL('./sdk-package/app/', import.meta.url).pathname;

let scratch: string;
let app: string;
let cluster: Cluster;
let browser: Browser | undefined;
let observer: NatterClient;
const seen: string[] = [];

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'natter-sdk-'));
  const pkg = await buildPackage(path.join(scratch, 'pkg'));
  const tarball = packPackage(pkg, scratch);
  const ws = JSON.parse(sh('npm', ['pack', '--json', path.join(ROOT, 'node_modules/ws')], scratch)) as {
    filename: string;
  }[];
  app = path.join(scratch, 'app');
  cpSync(APP_SRC, app, { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true }));
  const wsTarball = path.join(scratch, ws[0]!.filename);
  // --offline: nothing comes from a registry; both packages are local tarballs.
  sh(
    'npm',
    ['install', '--offline', '--no-package-lock', '--no-audit', '--no-fund', tarball, wsTarball],
    app,
  );

  cluster = await startCluster({ gateways: 1 });
  observer = new NatterClient({ url: cluster.gateways[0]!.url, WebSocket, token: await token('observer') });
  observer.on('message', (m) => seen.push(`${m.from}: ${m.text}`));
  await observer.connect();
  await observer.create('sdk');
}, 180_000);

afterAll(async () => {
  observer?.close();
  await browser?.close();
  await cluster?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function expectDelivered(line: string) {
  const deadline = Date.now() + 5000;
  while (!seen.includes(line) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(seen).toContain(line);
}

describe('the packed @natter/client, installed outside the repository', () => {
  it('holds JavaScript, types and its docs, and resolves nothing from the workspace', () => {
    const installed = path.join(app, 'node_modules/@natter/client');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.exports['.']).toMatchObject({ import: './dist/index.js', require: './dist/index.cjs' });
    for (const f of ['dist/index.js', 'dist/index.cjs', manifest.types, 'README.md', 'CHANGELOG.md']) {
      expect(readFileSync(path.join(installed, f), 'utf8').length).toBeGreaterThan(0);
    }
    // No Node built-in and no other @natter package anywhere in the shipped JavaScript.
    const js = readFileSync(path.join(installed, 'dist/index.js'), 'utf8');
    expect(js).not.toMatch(/from\s*["'](node:|@natter\/)/);
    expect(js).not.toMatch(/require\(["'](node:|@natter\/)/);
  });

  it('type-checks a TypeScript consumer against the shipped .d.ts (nodenext)', () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    sh(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  });

  it('chats from plain Node with ws, as an ES module and as CommonJS', async () => {
    const env = { NATTER_URL: cluster.gateways[0]!.url };
    const esm = JSON.parse(
      sh(process.execPath, ['node-esm.mjs'], app, { ...env, NATTER_TOKEN: await token('esm') }),
    );
    expect(esm).toMatchObject({ user: 'esm', stored: 'hello from node-esm' });
    await expectDelivered('esm: hello from node-esm');
    const cjs = JSON.parse(
      sh(process.execPath, ['node-cjs.cjs'], app, { ...env, NATTER_TOKEN: await token('cjs') }),
    );
    expect(cjs).toMatchObject({ user: 'cjs', stored: 'hello from node-cjs' });
    expect(cjs.seq).toBe(esm.seq + 1);
    await expectDelivered('cjs: hello from node-cjs');
  });

  it('bundles for React Native the way Metro resolves: no Node built-in is reachable', async () => {
    // platform "neutral" resolves no built-in, so one imported anywhere fails this build.
    const r = await build({
      entryPoints: [path.join(app, 'browser.mjs')],
      absWorkingDir: app,
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['react-native', 'browser', 'module', 'main'],
      conditions: ['react-native', 'import'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((i) => i.includes('node_modules/@natter/client/dist/index.js'))).toBe(true);
    expect(inputs.filter((i) => /^node:|node_modules\/ws\//.test(i))).toEqual([]);
  });

  it('chats from Chromium, bundled by esbuild for the browser', async () => {
    const bundle = await build({
      entryPoints: [path.join(app, 'browser.mjs')],
      absWorkingDir: app,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    expect(bundle.warnings).toEqual([]);
    const js = bundle.outputFiles[0]!.text;
    const server: Server = createServer((req, res) => {
      if (req.url?.startsWith('/app.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      } else {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<script type="module" src="/app.js"></script>');
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const port = (server.address() as { port: number }).port;
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const q = new URLSearchParams({ ws: cluster.gateways[0]!.url, token: await token('web') });
      await page.goto(`http://127.0.0.1:${port}/?${q}`);
      const handle = await page.waitForFunction(
        () => (window as { natterResult?: unknown }).natterResult,
        null,
        {
          timeout: 15_000,
        },
      );
      expect(await handle.jsonValue()).toMatchObject({ user: 'web', stored: 'hello from browser' });
      expect(errors).toEqual([]);
      await expectDelivered('web: hello from browser');
    } finally {
      server.close();
    }
  });
});
