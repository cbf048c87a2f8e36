/**
 * The message bus every Natter process talks over. Semantics are those of core NATS, and
 * both implementations (NATS and in-process) pass one contract suite (test/contract.ts):
 *
 * - Subjects are dot-separated tokens. A subscription subject may use `*` (exactly one
 *   token) and `>` (one or more trailing tokens).
 * - `publish` is fire-and-forget, at most once. Messages from one publisher to one
 *   subscriber arrive in publish order. Publishing with no subscriber is not an error.
 * - Subscriptions with the same `queue` name on the same subject form a group: each
 *   message goes to exactly one member of the group (and to every plain subscriber).
 * - `request` sends to one responder and resolves with its reply, or rejects with
 *   `BusTimeoutError` after `timeout` ms, or with `BusNoRespondersError` at once when
 *   nobody subscribes to the subject. It never hangs past `timeout`.
 * - Handlers are called in arrival order, but the bus does not wait for a handler's
 *   promise before calling it with the next message (so a service can work on many
 *   requests at once, e.g. for group commit). A handler's exceptions and rejections are
 *   swallowed: the bus logs nothing itself and keeps delivering to the subscription.
 * - `unsubscribe` stops delivery at once.
 * - A subscription is certainly in effect for other connections once this connection's
 *   `flush()` resolves (over NATS the SUB travels to the server like a publish): a test or
 *   a service that subscribes and then has another process publish should await `flush()`.
 * - `onReconnect` listeners run after a lost connection is back (never in process).
 * - `drain` stops accepting new messages on every subscription, waits for the promises of
 *   handlers already running, flushes what was published, and closes. After it, calls reject with
 *   `BusClosedError`. While draining, handlers still running may publish, respond and
 *   request; only `subscribe` is refused. Calling `drain` again returns the same promise
 *   (resolved at once when already closed), so shutdown paths need not coordinate.
 */
export type Headers = Record<string, string>;

export interface BusMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: Headers;
  /** Present when the sender awaits a reply (request). */
  readonly reply?: string;
  /** Answers a request; a no-op when the message has no `reply`. */
  respond(data: Uint8Array, opts?: { headers?: Headers }): void;
}

export type BusHandler = (msg: BusMsg) => void | Promise<void>;

export interface Subscription {
  readonly subject: string;
  unsubscribe(): void;
}

export interface PublishOptions {
  headers?: Headers;
}

export interface SubscribeOptions {
  queue?: string;
}

export interface RequestOptions {
  timeout: number;
  headers?: Headers;
}

export interface Bus {
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void;
  subscribe(subject: string, handler: BusHandler, opts?: SubscribeOptions): Subscription;
  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<BusMsg>;
  /** Resolves when everything published so far has reached the server (a no-op in process). */
  flush(): Promise<void>;
  drain(): Promise<void>;
  /** True while the bus can carry messages (connected, not draining or closed). */
  readonly ready: boolean;
  /**
   * Calls `listener` each time the connection to the broker was lost and is back, with this
   * connection's subscriptions in effect again. Core NATS does not replay what was published
   * meanwhile: a subscriber that must not miss anything compares positions then. The
   * in-process bus never loses its connection.
   */
  onReconnect(listener: () => void): void;
}

export class BusError extends Error {
  override name = 'BusError';
}
export class BusTimeoutError extends BusError {
  override name = 'BusTimeoutError';
}
export class BusNoRespondersError extends BusError {
  override name = 'BusNoRespondersError';
}
export class BusClosedError extends BusError {
  override name = 'BusClosedError';
}
