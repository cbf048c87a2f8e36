import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageView } from '@natter/client';
import { describe, expect, it } from 'vitest';
import { cliSuite, EVIL, nextMessage } from './cli-suite.ts';
import { NatterProcess } from './natter-process.ts';

/** `natter send` and `natter tail` as a user runs them (cli-suite.ts). */
const suite = cliSuite('natter-cli-send');
const { sdk, natter } = suite;

describe('natter send and natter tail', () => {
  it('exchange a message between two processes, with history first and JSON lines', async () => {
    const first = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby', '--join', '--json', 'first'],
      {
        NATTER_URL: suite.url,
      },
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ conv: 'room:lobby', seq: 1 });

    const tail = natter(['tail', 'room:lobby', '--user', 'bob', '--join', '--last', '5']);
    await tail.waitStderr(/following room:lobby as bob from seq 1/);
    await tail.waitStdout(/^\d\d:\d\d:\d\d \[1\] alice: first$/m);

    const sent = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby', 'second', 'words'],
      {
        NATTER_URL: suite.url,
      },
    );
    expect(sent).toMatchObject({ code: 0, stdout: 'sent to room:lobby (seq 2)\n' });
    await tail.waitStdout(/^\d\d:\d\d:\d\d \[2\] alice: second words$/m);

    // Text from stdin; an evil text arrives escaped.
    const piped = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby'],
      { NATTER_URL: suite.url },
      `${EVIL}\n`,
    );
    expect(piped.code).toBe(0);
    await tail.waitStdout(/alice: title \\x1b\]0;pwned\\x07 clear \\x1b\[2J bell\\x07 c1 \\x9b31m end$/m);
    tail.signal('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(Buffer.concat(tail.stdoutBytes).includes(0x1b)).toBe(false);
    expect(tail.stdout.trim().split('\n')).toHaveLength(3);

    // JSON lines from a seq on: exactly the stored messages after it.
    const json = natter(['tail', 'room:lobby', '--user', 'bob', '--since', '1', '--json']);
    await json.waitStderr(/following room:lobby as bob from seq 3/);
    await json.waitStdout(/"seq":3/);
    json.signal('SIGTERM');
    expect(await json.exited).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MessageView);
    expect(lines.map((m) => [m.seq, m.from])).toEqual([
      [2, 'alice'],
      [3, 'alice'],
    ]);
    expect(lines[1].text).toBe(EVIL);
  });

  it('tails a direct conversation given as user:<name>', async () => {
    const tail = natter(['tail', 'user:erin', '--user', 'frank']);
    await tail.waitStderr(/following dm:erin:frank as frank from seq 0/);
    const r = await NatterProcess.run(['send', '--user', 'erin', '--to', 'user:frank', 'psst'], {
      NATTER_URL: suite.url,
    });
    expect(r.code).toBe(0);
    await tail.waitStdout(/erin: psst/);
    tail.signal('SIGINT');
    expect(await tail.exited).toBe(0);
  });

  it('sends files as attachments: uploaded, checked by the server, shown with their URL', async () => {
    // A 1x1 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
      'base64',
    );
    const file = path.join(suite.node.dataDir, 'dot.png');
    await writeFile(file, png);
    const gina = await sdk('gina');
    const got = nextMessage(gina, (m) => m.from === 'hal');
    const r = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '--file', file, '--json', 'a dot'],
      { NATTER_URL: suite.url },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = await got;
    expect(m.text).toBe('a dot');
    expect(m.attachments).toEqual([
      expect.objectContaining({ type: 'image/png', name: 'dot.png', size: png.length }),
    ]);
    const served = await fetch(`http://127.0.0.1:${suite.node.port}${m.attachments![0].url}`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png);

    // Text is optional with a file; bytes that are not what the name says are refused.
    const fake = path.join(suite.node.dataDir, 'fake.png');
    await writeFile(fake, 'not a png at all');
    const refused = await NatterProcess.run(['send', '--user', 'hal', '--to', 'user:gina', '-f', fake], {
      NATTER_URL: suite.url,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^natter: not sent: fake\.png: /m);
    const wrongKind = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '-f', 'notes.txt'],
      {
        NATTER_URL: suite.url,
      },
    );
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/notes\.txt.*not an image or voice file/);
    const missing = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '-f', path.join(suite.node.dataDir, 'nope.png')],
      { NATTER_URL: suite.url },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.png.*ENOENT/);
  });

  it('exits 1 with the server’s code on a refusal and 2 on a wrong command line', async () => {
    const env = { NATTER_URL: suite.url };
    const notMember = await NatterProcess.run(['send', '--user', 'zed', '--to', 'room:lobby', 'x'], env);
    expect(notMember.code).toBe(1);
    expect(notMember.stderr).toMatch(/forbidden: .*not a member of room:lobby.*--join/);

    const owner = await sdk('owner');
    await owner.create('vault', { private: true });
    const privateJoin = await NatterProcess.run(
      ['send', '--user', 'zed', '--to', 'room:vault', '--join', 'x'],
      env,
    );
    expect(privateJoin.code).toBe(1);
    expect(privateJoin.stderr).toMatch(/^natter: not sent: forbidden: /m);

    const tooLong = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby', 'x'.repeat(4001)],
      env,
    );
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/too_large/);

    const tailNotMember = await NatterProcess.run(['tail', 'room:lobby', '--user', 'zed'], env);
    expect(tailNotMember.code).toBe(1);
    expect(tailNotMember.stderr).toMatch(/forbidden/);

    const usageCases = [
      ['send', '--user', 'alice', 'no target'],
      ['send', '--user', 'alice', '--to', 'general', 'x'],
      ['send', '--to', 'room:lobby', 'who am i'],
      ['send', '--user', 'alice', '--to', 'room:lobby', '--bogus', 'x'],
      ['tail', '--user', 'alice'],
      ['tail', 'room:lobby', '--user', 'alice', '--since', '1', '--last', '2'],
      ['frobnicate'],
    ];
    const results = await Promise.all(usageCases.map((args) => NatterProcess.run(args, env)));
    results.forEach((r, i) => {
      expect(r.code, usageCases[i].join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^natter: .+\nRun 'natter .*--help' for usage\.\n$/);
    });
    const unreachable = await NatterProcess.run([
      'send',
      '--user',
      'alice',
      '--to',
      'room:lobby',
      '--url',
      'ws://127.0.0.1:9/ws',
      '--timeout',
      '1',
      'x',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/could not connect to ws:\/\/127\.0\.0\.1:9\/ws/);
  });

  it('prints help', async () => {
    const general = await NatterProcess.run(['--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/natter connect/);
    const send = await NatterProcess.run(['send', '--help']);
    expect(send.stdout).toMatch(/^Usage: natter send/);
    const tail = await NatterProcess.run(['help', 'tail']);
    expect(tail.stdout).toMatch(/^Usage: natter tail/);
  });
});
