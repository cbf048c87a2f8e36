import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliSuite, EVIL, nextMessage } from './cli-suite.ts';
import { FlakyProxy } from './flaky-proxy.ts';

/** `natter connect`, the interactive chat, on pipes and on a terminal (cli-suite.ts). */
const suite = cliSuite('natter-cli-connect');
const { sdk, natter } = suite;

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
    const proxy = await FlakyProxy.start(suite.node.port);
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
