/** Error codes a client can receive (docs/protocol.md, "Error codes"). */
export const ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryAfter?: number;
}

/**
 * The one error class that crosses every boundary: services throw it, the bus carries its
 * code and message, the gateway turns it into a protocol error. Anything else that reaches
 * a client becomes `internal` with a generic message.
 */
export class NatterError extends Error {
  override readonly name = 'NatterError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return this.retryAfter === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfter: this.retryAfter };
  }
}

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && (ERROR_CODES as readonly string[]).includes(s);
}

/** WebSocket close codes (docs/protocol.md, "Closing"). */
export const CloseCode = {
  TooLarge: 1009,
  ProtocolViolation: 4000,
  Unauthenticated: 4001,
  RateLimited: 4008,
  SlowConsumer: 4009,
  Draining: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
