import type { Env } from './args.ts';

/** The process's streams and environment, passed in so commands never reach for globals. */
export interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Env;
}

/** Writes `natter: <message>` to stderr. */
export function complain(io: Io, message: string): void {
  io.stderr.write(`natter: ${message}\n`);
}

/** All of stdin as UTF-8 (for `natter send` without a text argument). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
