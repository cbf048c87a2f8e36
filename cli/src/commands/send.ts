import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { type Attachment, httpBaseOf, type NatterClient, newCid, uploadFile } from '@natter/client';
import { parseTarget } from '@natter/protocol';
import type { Invocation } from '../args.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { complain, type Io, readAll } from '../io.ts';
import { ConnectError, connectOrExplain, createClient, describeError, withTimeout } from '../open-client.ts';
import { UsageError } from '../usage-error.ts';

type SendInvocation = Extract<Invocation, { command: 'send' }>;

/** The upload type of a file, by its extension (the server checks the bytes). */
const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.webm': 'audio/webm',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
};

/** Reads every file before connecting, so a wrong path is a usage error, not a half send. */
async function readFiles(paths: string[]): Promise<{ name: string; type: string; bytes: Uint8Array }[]> {
  return Promise.all(
    paths.map(async (path) => {
      const type = TYPES[extname(path).toLowerCase()];
      if (!type) {
        throw new UsageError(
          `--file ${JSON.stringify(path)}: not an image or voice file (${Object.keys(TYPES).join(' ')})`,
          'send',
        );
      }
      try {
        return { name: basename(path), type, bytes: await readFile(path) };
      } catch (err) {
        throw new UsageError(`--file ${JSON.stringify(path)}: ${(err as Error).message}`, 'send');
      }
    }),
  );
}

async function uploadAll(
  client: NatterClient,
  wsUrl: string,
  files: { name: string; type: string; bytes: Uint8Array }[],
): Promise<Attachment[] | undefined> {
  if (files.length === 0) return undefined;
  const base = httpBaseOf(wsUrl);
  const out: Attachment[] = [];
  for (const f of files) out.push(await uploadFile({ base, token: client.token, body: f.bytes, ...f }));
  return out;
}

/**
 * `natter send --to <target> [text...]`: one message, then exit. 0 once it is stored, 1
 * when the server refuses it (code and message on stderr) or cannot be reached, 2 for a
 * wrong command line.
 */
export async function runSend(inv: SendInvocation, io: Io): Promise<ExitCode> {
  let text = inv.text;
  if (text === undefined && inv.files.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('no message text: give it as an argument or pipe it in', 'send');
    text = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    if (text.length === 0) throw new UsageError('the message text on stdin is empty', 'send');
  }
  const files = await readFiles(inv.files);

  const client = createClient(inv.conn);
  try {
    const hello = await connectOrExplain(client, inv.conn);
    const to = parseTarget(inv.to);
    if (to?.kind === 'room') {
      const member = hello.convs.some((c) => c.conv === inv.to);
      if (!member && !inv.join) {
        complain(io, `forbidden: you are not a member of ${inv.to} (add --join to join it first)`);
        return EXIT.failed;
      }
      if (!member) await client.join(to.room);
    }
    const attachments = await withTimeout(
      uploadAll(client, inv.conn.url, files),
      inv.conn.timeoutMs,
      'upload',
    );
    // A fixed cid makes a retried `natter send --cid X` store the message once.
    const result = await withTimeout(
      client.send(inv.to, { text, attachments, cid: inv.cid ?? newCid() }),
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
