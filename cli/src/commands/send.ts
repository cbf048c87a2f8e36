import { newCid } from '@natter/client';
import type { Invocation } from '../args.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { complain, type Io, readAll } from '../io.ts';
import { ConnectError, connectOrExplain, createClient, describeError, withTimeout } from '../open-client.ts';
import { UsageError } from '../usage-error.ts';

type SendInvocation = Extract<Invocation, { command: 'send' }>;

/**
 * `natter send --to <target> [text...]`: one message, then exit. 0 once it is stored, 1
 * when the server refuses it (code and message on stderr) or cannot be reached, 2 for a
 * wrong command line.
 */
export async function runSend(inv: SendInvocation, io: Io): Promise<ExitCode> {
  let text = inv.text;
  if (text === undefined) {
    if (io.stdin.isTTY) throw new UsageError('no message text: give it as an argument or pipe it in', 'send');
    text = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    if (text.length === 0) throw new UsageError('the message text on stdin is empty', 'send');
  }

  const client = createClient(inv.conn);
  try {
    const hello = await connectOrExplain(client, inv.conn);
    if (inv.to.startsWith('room:')) {
      const member = hello.convs.some((c) => c.conv === inv.to);
      if (!member && !inv.join) {
        complain(io, `forbidden: you are not a member of ${inv.to} (add --join to join it first)`);
        return EXIT.failed;
      }
      if (!member) await client.join(inv.to.slice('room:'.length));
    }
    // A fixed cid makes a retried `natter send --cid X` store the message once.
    const result = await withTimeout(
      client.send(inv.to, { text, cid: inv.cid ?? newCid() }),
      inv.conn.timeoutMs,
      'send',
    );
    io.stdout.write(inv.json ? `${JSON.stringify(result)}\n` : `sent to ${inv.to} (seq ${result.seq})\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ConnectError) complain(io, err.message);
    else complain(io, `not sent: ${describeError(err)}`);
    return EXIT.failed;
  } finally {
    client.close();
  }
}
