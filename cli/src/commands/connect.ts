import { createInterface } from 'node:readline';
import { httpBaseOf } from '@natter/client';
import type { Invocation } from '../args.ts';
import { Chat } from '../chat/chat.ts';
import { PlainScreen, type Screen, TtyScreen } from '../chat/screen.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { complain, type Io } from '../io.ts';
import { connectOrComplain, createClient, describeError } from '../open-client.ts';
import { colorsWanted, createStyle } from '../style.ts';

type ConnectInvocation = Extract<Invocation, { command: 'connect' }>;

/**
 * `natter connect`: the interactive chat on stdin/stdout. On a terminal it draws a prompt
 * and keeps the input intact while messages arrive; on pipes it reads lines and writes
 * plain lines (scripts and tests drive it that way). Ends with 0 on /quit, Ctrl-D, Ctrl-C
 * or end of input, 1 when no session could be had or it ended for good.
 */
export async function runConnect(inv: ConnectInvocation, io: Io): Promise<ExitCode> {
  const client = createClient(inv.conn);
  const hello = await connectOrComplain(client, inv.conn, io);
  if (!hello) return EXIT.failed;

  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const rl = createInterface({
    input: io.stdin,
    ...(interactive ? { output: io.stdout, terminal: true } : { terminal: false }),
    historySize: 200,
    prompt: '',
  });
  const screen: Screen = interactive ? new TtyScreen(rl, io.stdout) : new PlainScreen(io.stdout);

  let finish!: (code: ExitCode) => void;
  const done = new Promise<ExitCode>((resolve) => {
    finish = resolve;
  });
  const chat = new Chat({
    client,
    screen,
    style: createStyle(colorsWanted(io.stdout, io.env)),
    httpBase: httpBaseOf(inv.conn.url),
    onEnd: (code) => {
      rl.close();
      finish(code);
    },
  });

  // Lines are handled one after another, after the greeting: `/join x` completes before
  // the next line is sent.
  let work: Promise<void> = chat.start(hello).catch((err: unknown) => complain(io, describeError(err)));
  rl.on('line', (line) => {
    work = work.then(() => chat.handle(line));
  });
  rl.on('close', () => {
    work = work.then(() => chat.quit(0));
  });
  rl.on('SIGINT', () => void chat.quit(0));
  const onSignal = () => void chat.quit(0);
  process.once('SIGTERM', onSignal);
  if (!interactive) process.once('SIGINT', onSignal);
  if (interactive) {
    // readline emits keypress events on a terminal input; `rl.line` is the input so far.
    io.stdin.on('keypress', (_s: string, key: { name?: string } | undefined) => {
      if (key?.name !== 'return' && key?.name !== 'enter') chat.keypress(rl.line);
    });
  }

  await work;
  screen.prompt();
  const code = await done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}
