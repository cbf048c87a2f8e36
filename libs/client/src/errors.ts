import { type ErrorBody, type ErrorCode, isErrorCode } from '@natter/protocol';

/**
 * Codes a client call can fail with: every protocol error code, plus three the SDK
 * produces itself: `timeout` (no reply within the request timeout), `disconnected` (the
 * connection dropped before the reply came) and `closed` (the client was closed, or gave
 * up for good, e.g. on a token the server rejects).
 */
export type ClientErrorCode = ErrorCode | 'timeout' | 'disconnected' | 'closed';

/** Codes where the same call may succeed later (centrifuge's `temporary`). */
const TEMPORARY: ReadonlySet<ClientErrorCode> = new Set<ClientErrorCode>([
  'unavailable',
  'rate_limited',
  'internal',
  'timeout',
  'disconnected',
]);

export interface NatterClientErrorOptions {
  /** Milliseconds the server asked to wait before retrying. */
  retryAfter?: number;
  /** The op of the request that failed, where known. */
  op?: string;
  cause?: unknown;
}

/** The one error class the SDK rejects with and emits as the `error` event. */
export class NatterClientError extends Error {
  override readonly name = 'NatterClientError';
  /** True when the same call may succeed later: unavailable, rate_limited, internal, timeout, disconnected. */
  readonly temporary: boolean;
  /** Milliseconds the server asked to wait before retrying (`rate_limited`, sometimes `unavailable`). */
  readonly retryAfter: number | undefined;
  /** The op of the request that failed, where known. */
  readonly op: string | undefined;

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options: NatterClientErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.temporary = TEMPORARY.has(code);
    this.retryAfter = options.retryAfter;
    this.op = options.op;
  }

  /** Builds the error for a server `error` body; an unknown code becomes `internal`. */
  static fromBody(body: unknown, op?: string): NatterClientError {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Partial<
      Record<keyof ErrorBody, unknown>
    >;
    const code = isErrorCode(b.code) ? b.code : 'internal';
    const message = typeof b.message === 'string' ? b.message : `server error ${String(b.code)}`;
    const retryAfter = typeof b.retryAfter === 'number' && b.retryAfter >= 0 ? b.retryAfter : undefined;
    return new NatterClientError(code, message, { retryAfter, op });
  }
}

/** The error of a call made after close() (or after the client gave up). */
export function closedError(op: string): NatterClientError {
  return new NatterClientError('closed', `${op}: the client is closed`, { op });
}

/** `cause` as a NatterClientError: itself if it is one, else `code` with `message` and the cause's message. */
export function wrap(code: ClientErrorCode, message: string, cause: unknown, op?: string): NatterClientError {
  if (cause instanceof NatterClientError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new NatterClientError(code, `${message}: ${why}`, { op, cause });
}
