import pino from 'pino';
import pretty from 'pino-pretty';
import { randomHex } from './random.ts';

export { randomBase64url, randomByteFraction, randomHex } from './random.ts';

export type Logger = pino.Logger;

/** The bus header that carries a request's trace id across services. */
export const TRACE_HEADER = 'natter-trace';

export interface LogOptions {
  level?: string;
  name: string;
  /** Where lines go (tests pass a stream to assert on them); stdout by default. */
  destination?: pino.DestinationStream;
  /**
   * `json`: one JSON object per line (what log shippers want); `pretty`: coloured lines for a
   * person. Default: pretty when stdout is a terminal, else JSON. A destination is always JSON.
   */
  format?: 'pretty' | 'json';
}

/** Human lines: time, level, name, message, then the fields (pid and hostname left out). */
function prettyStdout(): pino.DestinationStream {
  return pretty({
    // colorize is left to pino-pretty: colours on a terminal unless NO_COLOR is set.
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Synchronous, like pino's own stdout: a line logged just before exit is not lost.
    sync: true,
  });
}

/** The root logger of a process. Libraries never create one: they take `logger.child({ module })`. */
export function createLogger(opts: LogOptions): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const destination = opts.destination ?? (format === 'pretty' ? prettyStdout() : undefined);
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** A short random trace id, carried from a client request through every service. */
export function newTraceId(): string {
  return randomHex(8);
}
