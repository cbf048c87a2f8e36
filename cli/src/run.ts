import { readFileSync } from 'node:fs';
import { parseInvocation } from './args.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { helpText } from './help.ts';
import { complain, type Io } from './io.ts';
import { UsageError } from './usage-error.ts';

/** Runs `natter <argv>`; resolves with the exit code. Never throws for a user's mistake. */
export async function run(argv: string[], io: Io): Promise<ExitCode> {
  try {
    const inv = parseInvocation(argv, io.env);
    switch (inv.command) {
      case 'help':
        io.stdout.write(`${helpText(inv.topic)}\n`);
        return EXIT.ok;
      case 'version':
        io.stdout.write(`natter ${version()}\n`);
        return EXIT.ok;
      // Loaded on demand: `natter --help` need not load the SDK and ws.
      case 'connect':
        return await (await import('./commands/connect.ts')).runConnect(inv, io);
      case 'send':
        return await (await import('./commands/send.ts')).runSend(inv, io);
      case 'tail':
        return await (await import('./commands/tail.ts')).runTail(inv, io);
      case 'token':
        return await (await import('./commands/token.ts')).runToken(inv, io);
      case 'vapid':
        return await (await import('./commands/vapid.ts')).runVapid(inv, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      complain(io, err.message);
      io.stderr.write(`Run 'natter ${err.command ? `${err.command} ` : ''}--help' for usage.\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}
