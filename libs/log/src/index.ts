import { randomBytes } from 'node:crypto';
import pino from 'pino';

export type Logger = pino.Logger;

/** The bus header that carries a request's trace id across services. */
export const TRACE_HEADER = 'natter-trace';

export interface LogOptions {
  level?: string;
  name: string;
  /** Where lines go (tests pass a stream to assert on them); stdout by default. */
  destination?: pino.DestinationStream;
}

/** The root logger of a process. Libraries never create one: they take `logger.child({ module })`. */
export function createLogger(opts: LogOptions): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination,
  );
}

/** A short random trace id, carried from a client request through every service. */
export function newTraceId(): string {
  return randomBytes(8).toString('hex');
}
