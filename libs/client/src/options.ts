import type { Since } from '@natter/protocol';
import type { BackoffOptions } from './backoff.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import type { TokenSource } from './token.ts';
import type { WebSocketConstructor } from './websocket.ts';

/**
 * Where to connect: one gateway URL (`ws://localhost:8080/ws`), a list of gateway URLs
 * (the first for the first connection, then the next one at every reconnect, round
 * robin), or a function that returns the URL for dial number `attempt` (0 for the first).
 */
export type UrlSource = string | readonly string[] | ((attempt: number) => string);

export interface NatterClientOptions {
  /**
   * The gateway's WebSocket URL, e.g. `ws://localhost:8080/ws` or `wss://chat.example.com/ws`;
   * or several (a list, or a function): see UrlSource. A list lets the client land on
   * another gateway when one drains or dies, without a load balancer in front.
   */
  url: UrlSource;
  /** A WebSocket constructor. Default: `globalThis.WebSocket` (browsers, React Native, Node 22+); in older Node pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** A JWT, or a hook returning a fresh one: called at every (re)connect and to refresh before expiry. */
  token?: TokenSource;
  /** Open mode (development servers only): the user to be, instead of a token. */
  user?: string;
  /** A short label for this device (`web`, `ios`, `cli`), sent in `hello`. */
  device?: string;
  /**
   * Reconnect backoff: exponential from `initialDelayMs` up to `maxDelayMs`, with full jitter;
   * after a session lost without `bye`, the first retry within `dropSpreadMs` (default 3000).
   */
  reconnect?: Partial<BackoffOptions>;
  /** How long any request may wait for its reply, including time spent waiting for a connection. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Send `ping` requests every `heartbeat` seconds of the hello result and reconnect after 2 missed replies. Default true. */
  heartbeat?: boolean;
  /**
   * Where the app stands per conversation (e.g. restored from storage): the highest `seq`,
   * or `{seq, ver}` with the highest `ver` applied too (then the server also replays the
   * changes since). Sent as `since` on the first hello.
   */
  since?: Record<string, Since>;
  /**
   * Tell the server what was delivered (`received`, at most once a second per conversation,
   * only the highest seq): the other user of a DM sees it as "delivered". Default true.
   */
  sendReceived?: boolean;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  /** The URL for dial number `attempt` (0 for the first); throws TypeError for a bad one. */
  url: (attempt: number) => string;
  WebSocket: WebSocketConstructor;
  token: TokenSource | undefined;
  user: string | undefined;
  device: string | undefined;
  reconnect: BackoffOptions;
  requestTimeoutMs: number;
  heartbeat: boolean;
  since: Record<string, Since>;
  sendReceived: boolean;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Applies defaults and checks the options; throws TypeError naming the bad option. */
export function resolveOptions(opts: NatterClientOptions): ResolvedOptions {
  const url = resolveUrl(opts?.url);
  const WebSocket =
    opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (typeof WebSocket !== 'function') {
    throw new TypeError(
      "NatterClient: no WebSocket constructor; pass { WebSocket } (in Node: import WebSocket from 'ws')",
    );
  }
  const reconnect = { ...DEFAULT_BACKOFF, ...opts.reconnect };
  positive('reconnect.initialDelayMs', reconnect.initialDelayMs);
  positive('reconnect.maxDelayMs', reconnect.maxDelayMs);
  // 0 turns the spread off (the first reconnect after a drop then follows the backoff alone).
  if (reconnect.dropSpreadMs !== 0) positive('reconnect.dropSpreadMs', reconnect.dropSpreadMs ?? Number.NaN);
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  positive('requestTimeoutMs', requestTimeoutMs);
  if (opts.token !== undefined && typeof opts.token !== 'string' && typeof opts.token !== 'function') {
    throw new TypeError('NatterClient: token must be a string or a function returning a Promise<string>');
  }
  return {
    url,
    WebSocket,
    token: opts.token,
    user: opts.user,
    device: opts.device,
    reconnect,
    requestTimeoutMs,
    heartbeat: opts.heartbeat ?? true,
    since: { ...opts.since },
    sendReceived: opts.sendReceived ?? true,
  };
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
    throw new TypeError(`NatterClient: url must be a ws:// or wss:// URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

/** Checks a UrlSource and turns it into a picker by dial number. */
function resolveUrl(source: unknown): (attempt: number) => string {
  if (typeof source === 'function') {
    const pick = source as (attempt: number) => unknown;
    return (attempt) => checkUrl(pick(attempt));
  }
  if (Array.isArray(source)) {
    if (source.length === 0) throw new TypeError('NatterClient: url: the list of URLs is empty');
    const urls = source.map(checkUrl);
    return (attempt) => urls[attempt % urls.length] as string;
  }
  const url = checkUrl(source);
  return () => url;
}

function positive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`NatterClient: ${name} must be a positive number of ms, got ${String(value)}`);
  }
}
