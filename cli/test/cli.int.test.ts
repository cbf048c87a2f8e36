import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageView, NatterClient } from '@natter/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlakyProxy } from './flaky-proxy.ts';
import { NatterProcess } from './natter-process.ts';
import { TestNode } from './single-node.ts';

/**
 * The `natter` command as a user runs it: child processes on pipes against the real
 * single-node system (in-process bus and presence, a real Postgres) in open mode.
 */
let node: TestNode;
let url: string;
const procs: NatterProcess[] = [];

beforeAll(async () => {
  node = await TestNode.start('natter-cli-test');
  url = node.url;
});

afterAll(async () => {
  for (const p of procs) p.signal('SIGKILL');
  await node?.stop();
});

function sdk(user: string, wsUrl = url): Promise<NatterClient> {
  return node.sdk(user, wsUrl);
}

function natter(
  args: string[],
  env: Record<string, string> = {},
  opts: { pty?: boolean } = {},
): NatterProcess {
  const p = new NatterProcess(args, { NATTER_URL: url, ...env }, opts);
  procs.push(p);
  return p;
}

function nextMessage(c: NatterClient, pred: (m: MessageView) => boolean): Promise<MessageView> {
  return new Promise((resolve) => {
    const off = c.on('message', (m) => {
      if (pred(m)) {
        off();
        resolve(m);
      }
    });
  });
}

const EVIL = 'title \u001b]0;pwned\u0007 clear \u001b[2J bell\u0007 c1 \u009b31m end';

describe('natter send and natter tail', () => {
  it('exchange a message between two processes, with history first and JSON lines', async () => {
    const first = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby', '--join', '--json', 'first'],
      {
        NATTER_URL: url,
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
        NATTER_URL: url,
      },
    );
    expect(sent).toMatchObject({ code: 0, stdout: 'sent to room:lobby (seq 2)\n' });
    await tail.waitStdout(/^\d\d:\d\d:\d\d \[2\] alice: second words$/m);

    // Text from stdin; an evil text arrives escaped.
    const piped = await NatterProcess.run(
      ['send', '--user', 'alice', '--to', 'room:lobby'],
      { NATTER_URL: url },
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
      NATTER_URL: url,
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
    const file = path.join(node.dataDir, 'dot.png');
    await writeFile(file, png);
    const gina = await sdk('gina');
    const got = nextMessage(gina, (m) => m.from === 'hal');
    const r = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '--file', file, '--json', 'a dot'],
      { NATTER_URL: url },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = await got;
    expect(m.text).toBe('a dot');
    expect(m.attachments).toEqual([
      expect.objectContaining({ type: 'image/png', name: 'dot.png', size: png.length }),
    ]);
    const served = await fetch(`http://127.0.0.1:${node.port}${m.attachments![0].url}`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png);

    // Text is optional with a file; bytes that are not what the name says are refused.
    const fake = path.join(node.dataDir, 'fake.png');
    await writeFile(fake, 'not a png at all');
    const refused = await NatterProcess.run(['send', '--user', 'hal', '--to', 'user:gina', '-f', fake], {
      NATTER_URL: url,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^natter: not sent: fake\.png: /m);
    const wrongKind = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '-f', 'notes.txt'],
      {
        NATTER_URL: url,
      },
    );
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/notes\.txt.*not an image or voice file/);
    const missing = await NatterProcess.run(
      ['send', '--user', 'hal', '--to', 'user:gina', '-f', path.join(node.dataDir, 'nope.png')],
      { NATTER_URL: url },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.png.*ENOENT/);
  });

  it('exits 1 with the server’s code on a refusal and 2 on a wrong command line', async () => {
    const env = { NATTER_URL: url };
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

describe('natter connect on pipes', () => {
  it('chats: join, send, receive, /who, /history, typing, escaping, /quit', async () => {
    const bob = await sdk('bob');
    await bob.join('general');
    const cli = natter(['connect', '--user', 'carol']);
    await cli.waitStdout(/connected as carol/);

    cli.write('/join general\n');
    await cli.waitStdout(/\* joined #general/);

    const got = nextMessage(bob, (m) => m.from === 'carol');
    cli.write('hello from the terminal 👋\n');
    const m = await got;
    expect(m).toMatchObject({ conv: 'room:general', text: 'hello from the terminal 👋' });
    await cli.waitStdout(/\d\d:\d\d:\d\d \[…\] carol: hello from the terminal 👋/);

    await bob.send('room:general', { text: 'hi carol' });
    await cli.waitStdout(/^\d\d:\d\d:\d\d \[\d+\] bob: hi carol$/m);

    await bob.send('room:general', { text: EVIL });
    await cli.waitStdout(/bob: title \\x1b\]0;pwned\\x07 clear \\x1b\[2J bell\\x07 c1 \\x9b31m end$/m);

    bob.typing('room:general');
    await cli.waitStdout(/bob is typing…/);

    let from = cli.stdout.length;
    cli.write('/who\n');
    await cli.waitStdout(/#general: 2 members, 2 online\n {2}● bob\n {2}● carol \(you\)/, { from });

    from = cli.stdout.length;
    cli.write('/history 3\n');
    await cli.waitStdout(
      /--- #general: the last 3 ---\n.*carol: hello from the terminal 👋\n.*bob: hi carol\n.*bob: title \\x1b/,
      {
        from,
      },
    );

    from = cli.stdout.length;
    cli.write('/rooms\n/nonsense\n');
    await cli.waitStdout(/> #general {2}2 members/, { from });
    await cli.waitStdout(/! unknown command \/nonsense/, { from });

    cli.write('/quit\n');
    expect(await cli.exited).toBe(0);
    expect(Buffer.concat(cli.stdoutBytes).includes(0x1b)).toBe(false);
    expect(Buffer.concat(cli.stdoutBytes).includes(0x07)).toBe(false);
  });

  it('talks in a DM, shows the partner’s presence, and creates and invites', async () => {
    const cli = natter(['connect', '--user', 'gina']);
    await cli.waitStdout(/connected as gina/);
    cli.write('/dm hank\n');
    await cli.waitStdout(/now talking in @hank/);
    cli.write('/who\n');
    await cli.waitStdout(/○ hank is offline/);

    const hank = await sdk('hank');
    await cli.waitStdout(/● hank is online/);
    const got = nextMessage(hank, (m) => m.from === 'gina');
    cli.write('are you there?\n');
    expect(await got).toMatchObject({ conv: 'dm:gina:hank', text: 'are you there?' });
    await hank.send('user:gina', { text: 'yes' });
    await cli.waitStdout(/hank: yes/);

    cli.write('/create secret --private\n');
    await cli.waitStdout(/created private room #secret/);
    cli.write('/invite hank\n');
    await cli.waitStdout(/invited hank to #secret/);
    await hank.join('secret');
    await hank.send('room:secret', { text: 'in' });
    await cli.waitStdout(/hank: in/);

    hank.close();
    await cli.waitStdout(/○ hank is offline/, { from: cli.stdout.indexOf('hank is online') });
    cli.endInput(); // end of input quits like /quit
    expect(await cli.exited).toBe(0);
  });

  it('shows a reconnect banner and replays what it missed', async () => {
    const proxy = await FlakyProxy.start(node.port);
    const viaProxy = `ws://127.0.0.1:${proxy.port}/ws`;
    try {
      const ivan = await sdk('ivan');
      await ivan.join('ops');
      await ivan.join('quiet');
      const cli = natter(['connect', '--user', 'judy', '--url', viaProxy]);
      await cli.waitStdout(/connected as judy/);
      cli.write('/join quiet\n/join ops\n');
      await cli.waitStdout(/joined #ops/);
      await ivan.send('room:ops', { text: 'before' });
      await cli.waitStdout(/ivan: before/);
      const tail = natter(['tail', 'room:ops', '--user', 'ken', '--join', '--url', viaProxy]);
      await tail.waitStderr(/following room:ops as ken from seq 1/);

      proxy.cut();
      await cli.waitStdout(/reconnecting…/);
      await tail.waitStderr(/reconnecting…/);
      // #ops had a message before (the SDK's replay brings these), #quiet none (fetched).
      await ivan.send('room:ops', { text: 'missed one' });
      await ivan.send('room:ops', { text: 'missed two' });
      await ivan.send('room:quiet', { text: 'missed three' });
      proxy.restore();
      await cli.waitStdout(/back online, 3 missed messages replayed/, { ms: 30_000 });
      expect(cli.stdout).toMatch(/ivan: missed one\n.*ivan: missed two\n/);
      expect(cli.stdout).toMatch(/#quiet ivan: missed three\n/);
      await tail.waitStdout(/ivan: missed one\n.*ivan: missed two\n$/, { ms: 30_000 });
      tail.signal('SIGINT');
      expect(await tail.exited).toBe(0);

      // A line typed while cut off is sent once the connection is back.
      proxy.cut();
      await cli.waitStdout(/reconnecting…[\s\S]*reconnecting…/);
      const got = nextMessage(ivan, (m) => m.from === 'judy');
      cli.write('sent while offline\n');
      proxy.restore();
      expect(await got).toMatchObject({ text: 'sent while offline' });
      cli.write('/quit\n');
      expect(await cli.exited).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('natter connect on a terminal', () => {
  it.skipIf(!hasScript)(
    'keeps what is being typed while messages arrive, sends typing, escapes text',
    async () => {
      const mia = await sdk('mia');
      await mia.join('den');
      const cli = natter(['connect', '--user', 'lena'], {}, { pty: true });
      await cli.waitStdout(/connected as .*lena/);
      cli.write('/join den\r');
      await cli.waitStdout(/joined #den/);

      const typing = new Promise((resolve) => mia.once('typing', resolve));
      cli.write('half typed');
      expect(await typing).toEqual({ conv: 'room:den', user: 'lena' });
      await cli.waitStdout(/#den\S*> \S*half typed/);

      const from = cli.stdout.length;
      await mia.send('room:den', { text: EVIL });
      // The message above, then the prompt drawn again with the input so far.
      await cli.waitStdout(
        /title \\x1b\]0;pwned\\x07 clear \\x1b\[2J[^\n]*\n[\s\S]*#den[^\n]*> \S*half typed/,
        {
          from,
        },
      );

      const got = nextMessage(mia, (m) => m.from === 'lena');
      cli.write(' done\r');
      expect(await got).toMatchObject({ conv: 'room:den', text: 'half typed done' });
      await cli.waitStdout(/lena\S*: half typed done/);

      cli.write('/quit\r');
      expect(await cli.exited).toBe(0);
      const out = Buffer.concat(cli.stdoutBytes).toString('latin1');
      expect(out).toContain('\u001b['); // colors and cursor control: this is a terminal
      expect(out).not.toContain('\u001b]'); // but never an OSC (title) sequence
      expect(out).not.toContain('\u001b[2J'); // nor a screen clear
      expect(out).not.toContain('\u0007');
    },
  );
});
