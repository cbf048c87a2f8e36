import { parseArgs } from 'node:util';
import type { Target } from '@natter/client';
import { isUser, parseConv, parseTarget } from '@natter/protocol';
import { type CommandName, isCommand } from './commands.ts';
import { parseToken, type TokenInvocation } from './token-args.ts';
import { UsageError } from './usage-error.ts';

/** Where and as whom to connect; flags win over NATTER_URL / NATTER_USER / NATTER_TOKEN. */
export interface ConnOptions {
  /** A ws:// or wss:// URL of a gateway's `/ws`. */
  url: string;
  /** Open mode (development servers): the user name to chat as. */
  user?: string;
  /** A JWT whose `sub` is the user. */
  token?: string;
  /** How long to wait for a session (and, for `send`, for the result). */
  timeoutMs: number;
}

/** A conversation named on the command line: `room:x`, `user:x` (the DM with x) or `dm:a:b`. */
export type Where =
  | { kind: 'room'; room: string }
  | { kind: 'user'; user: string }
  | { kind: 'dm'; conv: string };

export type Invocation =
  | { command: 'help'; topic?: CommandName }
  | { command: 'version' }
  | { command: 'connect'; conn: ConnOptions }
  | { command: 'vapid'; json: boolean }
  | {
      command: 'send';
      conn: ConnOptions;
      to: Target;
      /** Undefined: read the text from stdin (unless files are sent). */
      text: string | undefined;
      /** Files to upload and attach (images, voice). */
      files: string[];
      join: boolean;
      json: boolean;
      cid?: string;
    }
  | {
      command: 'tail';
      conn: ConnOptions;
      where: Where;
      /** Print the stored messages after this seq first. */
      since?: number;
      /** Print the last N stored messages first. */
      last?: number;
      join: boolean;
      json: boolean;
    }
  | TokenInvocation;

export type Env = Record<string, string | undefined>;

export const DEFAULT_URL = 'ws://localhost:8080/ws';
export const DEFAULT_TIMEOUT_SEC = 10;

const CONN_OPTIONS = {
  url: { type: 'string' },
  user: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `natter`'s arguments (without `node` and the script). Throws UsageError for
 * anything wrong, naming the command whose help applies.
 */
export function parseInvocation(argv: string[], env: Env = {}): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') return { command: 'help' };
  if (first === '-v' || first === '--version') return { command: 'version' };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { command: 'help' };
    if (!isCommand(topic)) throw new UsageError(`no such command: ${JSON.stringify(topic)}`);
    return { command: 'help', topic };
  }
  if (!isCommand(first)) {
    throw new UsageError(
      `unknown command ${JSON.stringify(first)} (commands: connect, send, tail, token, vapid)`,
    );
  }
  switch (first) {
    case 'connect':
      return parseConnect(rest, env);
    case 'send':
      return parseSend(rest, env);
    case 'tail':
      return parseTail(rest, env);
    case 'token':
      return parseToken(rest, env);
    case 'vapid':
      return parseVapid(rest);
  }
}

function parseVapid(args: string[]): Invocation {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
  });
  if (values.help) return { command: 'help', topic: 'vapid' };
  if (positionals.length > 0) {
    throw new UsageError(`vapid takes no arguments, got ${JSON.stringify(positionals[0])}`, 'vapid');
  }
  return { command: 'vapid', json: values.json === true };
}

function parseConnect(args: string[], env: Env): Invocation {
  const { values, positionals } = parse('connect', args, {});
  if (values.help) return { command: 'help', topic: 'connect' };
  if (positionals.length > 0) {
    throw new UsageError(`connect takes no arguments, got ${JSON.stringify(positionals[0])}`, 'connect');
  }
  return { command: 'connect', conn: connOptions('connect', values, env) };
}

function parseSend(args: string[], env: Env): Invocation {
  const { values, positionals } = parse('send', args, {
    to: { type: 'string', short: 't' },
    join: { type: 'boolean' },
    json: { type: 'boolean' },
    cid: { type: 'string' },
    file: { type: 'string', short: 'f', multiple: true },
  });
  if (values.help) return { command: 'help', topic: 'send' };
  if (values.to === undefined) throw new UsageError('--to is required (room:<room> or user:<user>)', 'send');
  const target = parseWhere(values.to);
  if (!target || target.kind === 'dm') {
    throw new UsageError(`--to ${JSON.stringify(values.to)} is not room:<room> or user:<user>`, 'send');
  }
  const conn = connOptions('send', values, env);
  if (values.cid !== undefined && (values.cid.length < 1 || values.cid.length > 64)) {
    throw new UsageError('--cid must be 1-64 characters', 'send');
  }
  if (values.join && target.kind === 'user') {
    throw new UsageError('--join applies to rooms only', 'send');
  }
  const text = positionals.length > 0 ? positionals.join(' ') : undefined;
  if (text !== undefined && text.length === 0) throw new UsageError('the message text is empty', 'send');
  return {
    command: 'send',
    conn,
    to: values.to as Target,
    text,
    files: values.file ?? [],
    join: values.join === true,
    json: values.json === true,
    ...(values.cid === undefined ? {} : { cid: values.cid }),
  };
}

function parseTail(args: string[], env: Env): Invocation {
  const { values, positionals } = parse('tail', args, {
    since: { type: 'string' },
    last: { type: 'string', short: 'n' },
    join: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return { command: 'help', topic: 'tail' };
  if (positionals.length !== 1) {
    throw new UsageError(
      'tail takes exactly one conversation: room:<room>, user:<user> or dm:<a>:<b>',
      'tail',
    );
  }
  const where = parseWhere(positionals[0]);
  if (!where) {
    throw new UsageError(
      `${JSON.stringify(positionals[0])} is not room:<room>, user:<user> or dm:<a>:<b>`,
      'tail',
    );
  }
  const conn = connOptions('tail', values, env);
  if (values.since !== undefined && values.last !== undefined) {
    throw new UsageError('give --since or --last, not both', 'tail');
  }
  if (values.join && where.kind !== 'room') throw new UsageError('--join applies to rooms only', 'tail');
  const since = values.since === undefined ? undefined : integer('--since', values.since, 0, 'tail');
  const last = values.last === undefined ? undefined : integer('--last', values.last, 1, 'tail');
  return {
    command: 'tail',
    conn,
    where,
    ...(since === undefined ? {} : { since }),
    ...(last === undefined ? {} : { last }),
    join: values.join === true,
    json: values.json === true,
  };
}

/** `room:x`, `user:x` or `dm:a:b`, validated; undefined when it is none of them. */
export function parseWhere(s: string): Where | undefined {
  const target = parseTarget(s);
  if (target) return target;
  return parseConv(s)?.kind === 'dm' ? { kind: 'dm', conv: s } : undefined;
}

/**
 * A gateway URL as typed: `ws(s)://host/ws` as is; `http(s)://host[:port]` becomes
 * `ws(s)://host[:port]/ws`; a bare `host:port` gets `ws://` and `/ws`.
 */
export function normalizeUrl(raw: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `ws://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return undefined;
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  return u.toString();
}

type ParseConfig = Parameters<typeof parseArgs>[0] & object;
type OptionSpec = NonNullable<ParseConfig['options']>;

function parse<O extends OptionSpec>(command: CommandName, args: string[], options: O) {
  try {
    return parseArgs({
      args,
      options: { ...CONN_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and a readable message.
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message, command, { cause: err });
  }
}

function connOptions(
  command: CommandName,
  values: {
    url?: string | boolean;
    user?: string | boolean;
    token?: string | boolean;
    timeout?: string | boolean;
  },
  env: Env,
): ConnOptions {
  const flag = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
  const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]);
  const rawUrl = flag(values.url) ?? fromEnv('NATTER_URL') ?? DEFAULT_URL;
  const url = normalizeUrl(rawUrl);
  if (!url)
    throw new UsageError(`--url ${JSON.stringify(rawUrl)} is not a ws://, wss:// or http(s):// URL`, command);

  const userFlag = flag(values.user);
  const tokenFlag = flag(values.token);
  if (userFlag !== undefined && tokenFlag !== undefined) {
    throw new UsageError('give --user or --token, not both', command);
  }
  // An explicit flag replaces both variables: `--user bob` with NATTER_TOKEN set means bob.
  let user: string | undefined;
  let token: string | undefined;
  if (userFlag !== undefined) user = userFlag;
  else if (tokenFlag !== undefined) token = tokenFlag;
  else {
    token = fromEnv('NATTER_TOKEN');
    if (token === undefined) user = fromEnv('NATTER_USER');
  }
  if (user === undefined && token === undefined) {
    throw new UsageError('who are you? give --user <name> (open mode) or --token <jwt>', command);
  }
  if (user !== undefined && !isUser(user)) {
    throw new UsageError(`user ${JSON.stringify(user)} must match [A-Za-z0-9_.-]{1,64}`, command);
  }
  const rawTimeout = flag(values.timeout);
  const timeoutSec = rawTimeout === undefined ? DEFAULT_TIMEOUT_SEC : Number(rawTimeout);
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) {
    throw new UsageError(
      `--timeout ${JSON.stringify(rawTimeout)} is not a positive number of seconds`,
      command,
    );
  }
  return {
    url,
    ...(user === undefined ? {} : { user }),
    ...(token === undefined ? {} : { token }),
    timeoutMs: Math.round(timeoutSec * 1000),
  };
}

function integer(name: string, raw: string, min: number, command: CommandName): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${name} ${JSON.stringify(raw)} is not an integer >= ${min}`, command);
  }
  return n;
}
