import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { launch, type SingleNode } from '@natter/natter';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeShellBlock } from './readme/snippets.ts';

/**
 * README.md's "Try it from a shell" block, run by bash as it is written, against a started
 * single-node Natter in open mode with NATTER_API_KEY=secret (as the README says to start
 * it), on real Postgres. Only the port differs: localhost:8080 becomes the test server's.
 */
const ROOT = new URL('../', import.meta.url).pathname;
let pg: PostgresHandle;
let node: SingleNode;

beforeAll(async () => {
  pg = await startPostgres();
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: await pg.createDatabase(),
    NATTER_AUTH: 'open',
    NATTER_API_KEY: 'secret',
    LOG_LEVEL: 'silent',
  });
  node = await launch(config, createLogger({ name: 'readme-test', level: 'silent' }));
});

afterAll(async () => {
  await node?.stop();
  await pg?.stop();
});

describe("the README's shell snippets", () => {
  it('run as pasted against npm start', async () => {
    const port = node.gateway.port;
    const block = readmeShellBlock('Try it from a shell');
    expect(block).toContain('localhost:8080');
    const script = `set -euo pipefail\n${block.replaceAll('localhost:8080', `localhost:${port}`)}`;
    // Not execFileSync: the server runs in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
      cwd: ROOT,
      encoding: 'utf8',
      // The terminal client's default gateway is localhost:8080 as well.
      env: { ...process.env, NATTER_URL: `ws://localhost:${port}/ws` },
      timeout: 90_000,
    });
    expect(out).toContain('{"ok":true}');
    // alice's conversations over the history API, with the token the block minted.
    expect(out).toMatch(/"conv":"dm:alice:bob"/);
    expect(out).toMatch(/"conv":"room:general"/);
    expect(out).toMatch(/"text":"hi bob 👋"/);
    // bob's raw hello and send got their replies.
    expect(out).toMatch(/< \{"re":1,"result":\{"user":"bob"/);
    expect(out).toMatch(/< \{"re":2,"result":\{"conv":"dm:alice:bob","seq":2/);
    // The server API posted into the room the first send created.
    expect(out).toMatch(/\{"conv":"room:general","seq":2,"mid":"[^"]+","ts":"[^"]+"\}/);
  });
});
