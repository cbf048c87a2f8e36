/** Node socket errors that mean the server cannot be reached or went away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs outside class 08 that still mean "the server is not serving us right now". */
const SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is shutting down
  '57P02', // crash_shutdown: another backend crashed, every session is being reset
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
]);

/** Messages pg and pg-pool throw as plain Errors, without a code. */
const MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'connection timeout',
  'not queryable',
  'the database system is starting up',
  'the database system is shutting down',
];

/** How deep a `cause` / AggregateError chain is followed; our own errors wrap at most a few times. */
const MAX_DEPTH = 5;

/**
 * True when `err` (or anything in its `cause` chain) means "the database is unavailable":
 * unreachable, restarting, shutting down, or the connection dropped. Services map these to
 * NatterError('unavailable') so clients retry instead of seeing `internal`.
 * Query errors (syntax, constraint violations...) are false.
 */
export function isConnectionError(err: unknown): boolean {
  return check(err, 0);
}

function check(err: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (SOCKET_CODES.has(e.code) || SQLSTATES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code)) return true;
  }
  if (typeof e.message === 'string') {
    const message = e.message.toLowerCase();
    if (MESSAGES.some((m) => message.includes(m))) return true;
  }
  // Node reports a refused multi-address connect ('localhost' -> ::1 and 127.0.0.1) as an AggregateError.
  if (Array.isArray(e.errors) && e.errors.some((inner) => check(inner, depth + 1))) return true;
  return check(e.cause, depth + 1);
}
