import { type Bus, BusError, type Headers, type Subscription } from '@natter/bus';
import type { Logger } from '@natter/log';
import { newTraceId, TRACE_HEADER } from '@natter/log';
import { type ErrorBody, isErrorCode, NatterError } from '@natter/protocol';
import type { Rpc } from './payloads.ts';
import type { Subjects } from './subjects.ts';
import { versionProblem } from './version.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encode(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

export function decode<T>(data: Uint8Array): T {
  return JSON.parse(dec.decode(data)) as T;
}

export type RpcKey = keyof Rpc;
type Reply<T> = { ok: T } | { err: ErrorBody };

export function rpcSubject(s: Subjects, key: RpcKey): string {
  if (key.startsWith('rooms.')) return s.rooms(key.slice(6) as Parameters<Subjects['rooms']>[0]);
  return s[key as Exclude<RpcKey, `rooms.${string}`>] as string;
}

export interface CallOptions {
  trace?: string;
  timeout?: number;
}

/**
 * Typed request/reply over the bus. A timeout, no responder or a closed bus becomes
 * NatterError('unavailable'); an error reply becomes a NatterError with its code.
 */
export class RpcClient {
  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly timeout: number,
  ) {}

  async call<K extends RpcKey>(key: K, req: Rpc[K][0], opts: CallOptions = {}): Promise<Rpc[K][1]> {
    return okOf<Rpc[K][1]>(decode<Reply<Rpc[K][1]>>(await this.exchange(key, req, opts)));
  }

  /**
   * `call` for an answer only passed on: the result stays the JSON bytes the responder wrote
   * (a history page of decorated messages is tens of KB; parsing it to write it out again
   * cost the gateway two passes over it, and decoding it to text and encoding it again two
   * more). Error replies are parsed and thrown as by `call`.
   */
  async callRaw<K extends RpcKey>(
    key: K,
    req: Rpc[K][0],
    opts: CallOptions = {},
  ): Promise<RawJson<Rpc[K][1]>> {
    const data = await this.exchange(key, req, opts);
    // serve() writes every reply with JSON.stringify({ ok }) or ({ err }): an ok reply is
    // `{"ok":` + the result's JSON + `}`.
    if (startsWith(data, OK_BYTES)) return new RawJson(data.subarray(OK_BYTES.length, data.length - 1));
    return okOf(decode<Reply<never>>(data));
  }

  private async exchange<K extends RpcKey>(key: K, req: Rpc[K][0], opts: CallOptions): Promise<Uint8Array> {
    const headers: Headers = { [TRACE_HEADER]: opts.trace ?? newTraceId() };
    try {
      const msg = await this.bus.request(rpcSubject(this.subjects, key), encode(req), {
        timeout: opts.timeout ?? this.timeout,
        headers,
      });
      return msg.data;
    } catch (err) {
      if (err instanceof BusError) {
        throw new NatterError('unavailable', `${key} is unavailable, try again`, 1000, { cause: err });
      }
      throw err;
    }
  }
}

const OK_PREFIX = '{"ok":';
const OK_BYTES = enc.encode(OK_PREFIX);
const CLOSE_BYTES = enc.encode('}');

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/**
 * A value of type T already encoded as JSON, written out as it is (`serve`, `Session.reply`):
 * as text where a responder built it (a history page), as UTF-8 bytes where a caller got it
 * off the bus (`RpcClient.callRaw`).
 */
export class RawJson<T = unknown> {
  declare readonly of?: T;
  constructor(readonly json: string | Uint8Array) {}

  /** The JSON as text (decoded when it is bytes). */
  get text(): string {
    return typeof this.json === 'string' ? this.json : dec.decode(this.json);
  }

  /** The JSON as UTF-8 bytes between `before` and `after` (one copy of the bytes). */
  framed(before: string, after: string): Uint8Array {
    if (typeof this.json === 'string') return enc.encode(`${before}${this.json}${after}`);
    const head = enc.encode(before);
    const tail = after === '}' ? CLOSE_BYTES : enc.encode(after);
    const out = new Uint8Array(head.length + this.json.length + tail.length);
    out.set(head, 0);
    out.set(this.json, head.length);
    out.set(tail, head.length + this.json.length);
    return out;
  }
}

function okOf<T>(reply: Reply<T>): T {
  if ('ok' in reply) return reply.ok;
  const code = isErrorCode(reply.err?.code) ? reply.err.code : 'internal';
  throw new NatterError(code, reply.err?.message ?? 'internal error', reply.err?.retryAfter);
}

export interface ServeContext {
  trace: string;
  log: Logger;
}

/**
 * A handler's context. Its child logger is made on first use: most requests and events log
 * nothing, and a pino child per message was measurable on the delivery path.
 */
export function serveContext(log: Logger, trace: string): ServeContext {
  let child: Logger | undefined;
  return {
    trace,
    get log() {
      child ??= log.child({ trace });
      return child;
    },
  };
}

/** A request payload, refused as `bad_request` unless it is an object of PAYLOAD_VERSION. */
function decodeRequest<T>(data: Uint8Array): T {
  let value: unknown;
  try {
    value = decode(data);
  } catch {
    throw new NatterError('bad_request', 'request: not JSON');
  }
  const problem = versionProblem(value);
  if (problem) throw new NatterError('bad_request', `request: ${problem}`);
  return value as T;
}

/**
 * Answers requests for one RPC key in a queue group. The payload must be of the one version
 * this code understands (version.ts), or the caller gets `bad_request`. A NatterError thrown by the handler
 * is returned to the caller as is; anything else is logged with the trace id and returned
 * as `internal`, so no stack or internal message ever leaves the service.
 */
export function serve<K extends RpcKey>(
  bus: Bus,
  subjects: Subjects,
  key: K,
  queue: string,
  log: Logger,
  handler: (req: Rpc[K][0], ctx: ServeContext) => Promise<Rpc[K][1] | RawJson<Rpc[K][1]>>,
): Subscription {
  return bus.subscribe(
    rpcSubject(subjects, key),
    async (msg) => {
      const trace = msg.headers?.[TRACE_HEADER] ?? newTraceId();
      const ctx = serveContext(log, trace);
      let reply: Reply<Rpc[K][1] | RawJson<Rpc[K][1]>>;
      try {
        reply = { ok: await handler(decodeRequest<Rpc[K][0]>(msg.data), ctx) };
      } catch (err) {
        if (err instanceof NatterError) {
          reply = { err: err.toBody() };
        } else {
          ctx.log.error({ err, rpc: key }, 'request failed; answered internal');
          reply = { err: { code: 'internal', message: `internal error (trace ${trace})` } };
        }
      }
      // A result the handler already has as JSON text (a history page) is not encoded again.
      // No trace header on the reply: the caller has the trace, and a header costs an
      // encode here and a larger message through NATS on every request (bench/README.md).
      const data =
        'ok' in reply && reply.ok instanceof RawJson ? reply.ok.framed(OK_PREFIX, '}') : encode(reply);
      msg.respond(data);
    },
    { queue },
  );
}
