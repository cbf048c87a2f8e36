import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, normalizeUrl, parseInvocation } from '../src/args.ts';
import { UsageError } from '../src/usage-error.ts';

function usage(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    parseInvocation(argv, env);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseInvocation', () => {
  it('gives help and the version without connection options', () => {
    expect(parseInvocation([])).toEqual({ command: 'help' });
    expect(parseInvocation(['--help'])).toEqual({ command: 'help' });
    expect(parseInvocation(['-h'])).toEqual({ command: 'help' });
    expect(parseInvocation(['help', 'send'])).toEqual({ command: 'help', topic: 'send' });
    expect(parseInvocation(['tail', '--help'])).toEqual({ command: 'help', topic: 'tail' });
    expect(parseInvocation(['connect', '-h'])).toEqual({ command: 'help', topic: 'connect' });
    expect(parseInvocation(['--version'])).toEqual({ command: 'version' });
    expect(usage(['help', 'nope']).message).toMatch(/no such command/);
    expect(usage(['nope']).message).toMatch(/unknown command "nope"/);
  });

  it('parses connect with flags, and with the environment', () => {
    expect(parseInvocation(['connect', '--url', 'ws://h:1/ws', '--user', 'alice'])).toEqual({
      command: 'connect',
      conn: { url: 'ws://h:1/ws', user: 'alice', timeoutMs: 10_000 },
    });
    const env = { NATTER_URL: 'wss://chat.example.com/ws', NATTER_TOKEN: 'jwt' };
    expect(parseInvocation(['connect', '--timeout', '2.5'], env)).toEqual({
      command: 'connect',
      conn: { url: 'wss://chat.example.com/ws', token: 'jwt', timeoutMs: 2500 },
    });
    // A flag replaces the environment's identity entirely.
    expect(parseInvocation(['connect', '--user', 'bob'], env)).toMatchObject({ conn: { user: 'bob' } });
    expect(parseInvocation(['connect', '--user', 'bob'], env)).not.toHaveProperty('conn.token');
    expect(parseInvocation(['connect'], { NATTER_USER: 'carol', NATTER_TOKEN: '' })).toMatchObject({
      conn: { url: DEFAULT_URL, user: 'carol' },
    });
    expect(parseInvocation(['connect'], { NATTER_USER: 'carol', NATTER_TOKEN: 't' })).toMatchObject({
      conn: { token: 't' },
    });
  });

  it('refuses bad connection options with exit-2 usage errors naming the command', () => {
    expect(usage(['connect']).message).toMatch(/--user <name>.*--token <jwt>/);
    expect(usage(['connect']).command).toBe('connect');
    expect(usage(['connect', '--user', 'a', '--token', 't']).message).toMatch(/not both/);
    expect(usage(['connect', '--user', 'no spaces']).message).toMatch(/must match/);
    expect(usage(['connect', '--user', 'a', '--url', 'ftp://x']).message).toMatch(/not a ws:/);
    expect(usage(['connect', '--user', 'a', '--timeout', '0']).message).toMatch(/--timeout/);
    expect(usage(['connect', '--user', 'a', '--bogus']).message).toMatch(/Unknown option '--bogus'/);
    expect(usage(['connect', '--user', 'a', 'extra']).message).toMatch(/no arguments/);
    expect(usage(['connect', '--user']).message).toMatch(/argument missing/);
  });

  it('parses send: target, text from the arguments or stdin, flags', () => {
    expect(parseInvocation(['send', '--user', 'a', '--to', 'room:general', 'hello', 'there'])).toEqual({
      command: 'send',
      conn: { url: DEFAULT_URL, user: 'a', timeoutMs: 10_000 },
      to: 'room:general',
      text: 'hello there',
      files: [],
      join: false,
      json: false,
    });
    expect(
      parseInvocation(['send', '--user', 'a', '--to', 'user:b', '-f', 'a.png', '--file', 'b.ogg']),
    ).toMatchObject({ text: undefined, files: ['a.png', 'b.ogg'] });
    expect(
      parseInvocation(['send', '-t', 'user:bob', '--json', '--cid', 'c1', '--user', 'a', '--', '-1 from me']),
    ).toMatchObject({ to: 'user:bob', text: '-1 from me', json: true, cid: 'c1' });
    expect(parseInvocation(['send', '--to', 'room:x', '--join', '--user', 'a'])).toMatchObject({
      text: undefined,
      join: true,
    });
    expect(usage(['send', '--user', 'a', 'hi']).message).toMatch(/--to is required/);
    expect(usage(['send', '--user', 'a', '--to', 'general', 'hi']).message).toMatch(
      /not room:<room> or user:<user>/,
    );
    expect(usage(['send', '--user', 'a', '--to', 'room:General', 'hi']).message).toMatch(/not room:/);
    expect(usage(['send', '--user', 'a', '--to', 'dm:a:b', 'hi']).message).toMatch(/not room:/);
    expect(usage(['send', '--user', 'a', '--to', 'user:b', '--join', 'hi']).message).toMatch(/rooms only/);
    expect(usage(['send', '--user', 'a', '--to', 'user:b', '--cid', 'x'.repeat(65), 'hi']).message).toMatch(
      /--cid/,
    );
    expect(usage(['send', '--user', 'a', '--to', 'user:b', '']).message).toMatch(/empty/);
    expect(usage(['send', '--user', 'a', '--to', 'user:b', '--json=yes', 'x']).command).toBe('send');
  });

  it('parses tail: one conversation, --last or --since', () => {
    expect(parseInvocation(['tail', 'room:general', '--user', 'a'])).toMatchObject({
      command: 'tail',
      where: { kind: 'room', room: 'general' },
      join: false,
      json: false,
    });
    expect(parseInvocation(['tail', 'user:bob', '-n', '20', '--user', 'a', '--json'])).toMatchObject({
      where: { kind: 'user', user: 'bob' },
      last: 20,
      json: true,
    });
    expect(parseInvocation(['tail', 'dm:alice:bob', '--since', '0', '--user', 'a'])).toMatchObject({
      where: { kind: 'dm', conv: 'dm:alice:bob' },
      since: 0,
    });
    expect(usage(['tail', '--user', 'a']).message).toMatch(/exactly one conversation/);
    expect(usage(['tail', 'room:a', 'room:b', '--user', 'a']).message).toMatch(/exactly one/);
    expect(usage(['tail', 'dm:bob:alice', '--user', 'a']).message).toMatch(/is not room:/);
    expect(usage(['tail', 'room:a', '--since', '1', '--last', '1', '--user', 'a']).message).toMatch(
      /not both/,
    );
    expect(usage(['tail', 'room:a', '--last', '0', '--user', 'a']).message).toMatch(/--last "0"/);
    expect(usage(['tail', 'room:a', '--since', '-1', '--user', 'a']).command).toBe('tail');
    expect(usage(['tail', 'room:a', '--since', '1.5', '--user', 'a']).message).toMatch(/integer/);
    expect(usage(['tail', 'user:b', '--join', '--user', 'a']).message).toMatch(/rooms only/);
  });
});

describe('normalizeUrl', () => {
  it('accepts ws(s) URLs as they are and turns http(s) origins and bare hosts into /ws URLs', () => {
    expect(normalizeUrl('ws://localhost:8080/ws')).toBe('ws://localhost:8080/ws');
    expect(normalizeUrl('wss://chat.example.com/custom/ws')).toBe('wss://chat.example.com/custom/ws');
    expect(normalizeUrl('http://localhost:8080')).toBe('ws://localhost:8080/ws');
    expect(normalizeUrl('https://chat.example.com/')).toBe('wss://chat.example.com/ws');
    expect(normalizeUrl('localhost:8080')).toBe('ws://localhost:8080/ws');
    expect(normalizeUrl('ftp://x')).toBeUndefined();
    expect(normalizeUrl('ws://')).toBeUndefined();
  });
});
