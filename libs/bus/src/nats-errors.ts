import { errors } from '@nats-io/transport-node';
import { BusClosedError, BusError, BusNoRespondersError, BusTimeoutError } from './types.ts';

/** The nats.js error and its causes, outermost first (a RequestError wraps the real one). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && out.length < 8; e = (e as Error).cause) out.push(e);
  return out;
}

/** Maps a nats.js failure to the Bus error it means, keeping the original as `cause`. */
export function toBusError(err: unknown, what: string): BusError {
  if (err instanceof BusError) return err;
  const all = chain(err);
  const is = (cls: abstract new (...args: never[]) => Error) => all.some((e) => e instanceof cls);
  if (
    is(errors.NoRespondersError) ||
    all.some((e) => e instanceof errors.RequestError && e.isNoResponders())
  ) {
    return new BusNoRespondersError(`${what}: no responders`, { cause: err });
  }
  if (is(errors.TimeoutError)) return new BusTimeoutError(`${what}: timed out`, { cause: err });
  if (is(errors.ClosedConnectionError) || is(errors.DrainingConnectionError)) {
    return new BusClosedError(`${what}: the NATS connection is closed`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BusError(`${what}: ${message}`, { cause: err });
}
