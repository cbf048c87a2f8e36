import { createECDH } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@natter/config';
import { describe, expect, it } from 'vitest';
import type { Io } from '../src/io.ts';
import { run } from '../src/run.ts';

async function natter(argv: string[]) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} } as unknown as Io;
  return { code: await run(argv, io), out };
}

describe('natter vapid', () => {
  it('prints a P-256 pair whose public half belongs to its private half, in the form the push service takes', async () => {
    const { code, out } = await natter(['vapid']);
    expect(code).toBe(0);
    const env = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    expect(Object.keys(env)).toEqual(['NATTER_VAPID_PUBLIC_KEY', 'NATTER_VAPID_PRIVATE_KEY']);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(env.NATTER_VAPID_PRIVATE_KEY!, 'base64url'));
    expect(ecdh.getPublicKey().toString('base64url')).toBe(env.NATTER_VAPID_PUBLIC_KEY);
    const config = loadConfig(env);
    expect(config.vapidPublicKey).toBe(env.NATTER_VAPID_PUBLIC_KEY);
  });

  it('prints JSON with --json, a new pair each time', async () => {
    const a = JSON.parse((await natter(['vapid', '--json'])).out);
    const b = JSON.parse((await natter(['vapid', '--json'])).out);
    expect(Buffer.from(a.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(a.privateKey, 'base64url')).toHaveLength(32);
    expect(a.publicKey).not.toBe(b.publicKey);
  });

  it('refuses a half-set or malformed pair at start, naming the variable', () => {
    expect(() => loadConfig({ NATTER_VAPID_PUBLIC_KEY: 'abc' })).toThrow(/NATTER_VAPID_PRIVATE_KEY/);
    expect(() => loadConfig({ NATTER_VAPID_PUBLIC_KEY: 'abc', NATTER_VAPID_PRIVATE_KEY: 'def' })).toThrow(
      /NATTER_VAPID_PUBLIC_KEY must be/,
    );
    expect(() => loadConfig({ NATTER_APNS_KEY: 'x' })).toThrow(/NATTER_APNS_KEY_ID/);
    expect(() => loadConfig({ NATTER_PUSH_WEBHOOK: 'yes' })).toThrow(/NATTER_PUSH_WEBHOOK/);
  });
});
