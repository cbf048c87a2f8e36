import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@natter/log';

/** A real pino logger whose JSON lines the test can read back. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: createLogger({ name: 'db-test', level: 'debug', destination }), lines };
}
