import type { HelloResult, MessageView } from '@natter/protocol';
import { Connection } from './connection.ts';
import { type DispatchTarget, dispatchEvent } from './dispatch.ts';
import type { Emitter } from './emitter.ts';
import { closedError, NatterClientError, wrap } from './errors.ts';
import type { ByeEvent, ClientEvents, ConnectionState } from './events.ts';
import type { OpName, OpParams, OpResult } from './ops.ts';
import type { ResolvedOptions } from './options.ts';
import { ReconnectPolicy } from './reconnect-policy.ts';
import { RequestTracker } from './requests.ts';
import type { SeqTracker } from './seq-tracker.ts';
import { Upkeep } from './upkeep.ts';

/** What NatterClient does at the edges of a session. */
export interface SessionHooks {
  /** A session opened (hello succeeded), before any event about it is emitted. */
  onOpen(reconnected: boolean): void;
  /** The client stopped for good (close() or a fatal error): fail your own pending work. */
  onShutdown(makeError: (op: string) => NatterClientError): void;
  /** See DispatchTarget.isOwnPending. */
  isOwnPending(m: MessageView): boolean;
}

/**
 * The connection lifecycle behind NatterClient: dial (asking the token hook), `hello`
 * with `since`, requests and their replies, events, the open session's upkeep (upkeep.ts:
 * heartbeats, token refresh), and the reconnect loop (ReconnectPolicy) until close() or a
 * refusal that retrying cannot fix.
 * Requests made while there is no session wait for one.
 */
export class Session {
  private readonly requests = new RequestTracker();
  private readonly policy: ReconnectPolicy;
  /** Requests made while not connected, by id, sent when a session opens. */
  private readonly waiting = new Map<number, object>();
  private readonly dispatchTarget: DispatchTarget;

  private _state: ConnectionState = 'closed';
  /** connect() was called and neither close() nor a fatal error happened since. */
  private running = false;
  /** close() was called (or the client gave up): requests fail at once. */
  private _closed = false;
  /** Bumped by shutdown, so a dial that awaits the token hook knows it is stale. */
  private generation = 0;
  private conn: Connection | undefined;
  /** Connections attempted so far: picks the URL of the next one (see UrlSource). */
  private dials = 0;
  private openedAt: number | undefined;
  private lastBye: ByeEvent | undefined;
  private everOpened = false;
  private authRetry = false;
  private authFailures = 0;
  /** The `retryAfter` of this connection's failed hello, for the reconnect decision. */
  private helloRetryAfter: number | undefined;
  private _hello: HelloResult | undefined;
  private _token: string | undefined;
  private connectWaiter: { resolve(r: HelloResult): void; reject(e: NatterClientError): void } | undefined;
  private connectPromise: Promise<HelloResult> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Heartbeats and token refresh of the open session. */
  private upkeep: Upkeep | undefined;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly events: Emitter<ClientEvents>,
    private readonly seqs: SeqTracker,
    private readonly hooks: SessionHooks,
  ) {
    this.policy = new ReconnectPolicy(opts.reconnect);
    this.dispatchTarget = {
      events,
      seqs,
      isOwnPending: (m) => hooks.isOwnPending(m),
      onBye: (bye) => {
        this.lastBye = bye;
      },
    };
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** True after close() or a fatal error, until connect() is called again. */
  get closed(): boolean {
    return this._closed;
  }

  get hello(): HelloResult | undefined {
    return this._hello;
  }

  get token(): string | undefined {
    return this._token;
  }

  /** See NatterClient.connect. */
  connect(options: { timeoutMs?: number } = {}): Promise<HelloResult> {
    if (this._state === 'open' && this._hello) return Promise.resolve(this._hello);
    if (!this.connectPromise) {
      this.connectPromise = new Promise<HelloResult>((resolve, reject) => {
        this.connectWaiter = { resolve, reject };
      });
      // `void client.connect()` is a fair way to start: a rejection nobody awaits (close()
      // before the first session, or a refusal, which also emits `error`) is not an
      // unhandled rejection. Whoever awaits the promise still gets it.
      this.connectPromise.catch(() => {});
    }
    const promise = this.connectPromise;
    if (!this.running) {
      this.running = true;
      this._closed = false;
      this.setState('connecting');
      void this.dial();
    }
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return promise;
    return new Promise<HelloResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new NatterClientError('timeout', `connect: no session within ${timeoutMs} ms`, { op: 'hello' }),
        );
        this.close();
      }, timeoutMs);
      promise.then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** Stops for good: see NatterClient.close. */
  close(): void {
    this.shutdown((op) => new NatterClientError('closed', `${op}: the client was closed`, { op }));
  }

  /**
   * A request that waits for a session (within `timeoutMs`, counted from now) and
   * rejects at once when the client is closed.
   */
  request<O extends OpName>(op: O, params: OpParams<O>, timeoutMs: number): Promise<OpResult<O>> {
    if (this._closed) return Promise.reject(closedError(op));
    const { id, promise } = this.requests.open<OpResult<O>>(op, timeoutMs);
    const frame = { id, op, ...params };
    if (this.isLive() && this.conn) {
      this.transmit(this.conn, id, frame);
    } else {
      this.waiting.set(id, frame);
      const forget = () => this.waiting.delete(id);
      promise.then(forget, forget);
    }
    return promise;
  }

  /** A frame without id (no reply), sent only if a session is live; false when dropped. */
  notify(frame: { op: OpName } & Record<string, unknown>): boolean {
    return this.isLive() && (this.conn?.send(frame) ?? false);
  }

  /** True while a session is open (hello answered) on an open socket. */
  isLive(): boolean {
    return this._state === 'open' && this.conn !== undefined && this.conn.isOpen;
  }

  /** A request on the live session only: fails with `disconnected` when there is none. */
  requestNow<O extends OpName>(op: O, params: OpParams<O>, timeoutMs: number): Promise<OpResult<O>> {
    const conn = this.conn;
    if (!conn || !this.isLive()) {
      return Promise.reject(new NatterClientError('disconnected', `${op}: not connected`, { op }));
    }
    const { id, promise } = this.requests.open<OpResult<O>>(op, timeoutMs);
    this.transmit(conn, id, { id, op, ...params });
    return promise;
  }

  private transmit(conn: Connection, id: number, frame: object): void {
    if (conn.send(frame)) {
      this.requests.markSent(id, conn);
    } else {
      const op = (frame as { op: string }).op;
      this.requests.fail(
        id,
        new NatterClientError('disconnected', `${op}: the connection is closing`, { op }),
      );
    }
  }

  private async dial(): Promise<void> {
    const generation = this.generation;
    let token: string | undefined;
    try {
      token = await this.currentToken();
    } catch (cause) {
      if (generation !== this.generation || !this.running) return;
      this.events.emit('error', wrap('unauthenticated', 'the token hook failed; retrying', cause));
      this.scheduleReconnect(this.policy.afterFailure());
      return;
    }
    if (generation !== this.generation || !this.running) return;
    let conn: Connection | undefined;
    let url = '';
    try {
      url = this.opts.url(this.dials++);
      conn = new Connection(this.opts.WebSocket, url, {
        onOpen: () => conn && this.sayHello(conn, token),
        onReply: (frame) => {
          if (conn === this.conn) this.requests.settle(frame.re, frame);
        },
        onEvent: (frame) => {
          if (conn === this.conn) dispatchEvent(frame, this.dispatchTarget);
        },
        onClose: (code, reason) => conn && this.onClose(conn, code, reason),
      });
    } catch (cause) {
      this.fail(wrap('closed', `cannot open a WebSocket to ${url || "the url function's URL"}`, cause));
      return;
    }
    this.conn = conn;
    this.openedAt = undefined;
    this.lastBye = undefined;
    // Covers a socket that never opens as well as a hello that never gets its reply.
    const c = conn;
    this.handshakeTimer = setTimeout(
      () => c.close(1000, `no session within ${this.opts.requestTimeoutMs} ms`),
      this.opts.requestTimeoutMs,
    );
  }

  private async currentToken(): Promise<string | undefined> {
    const source = this.opts.token;
    if (typeof source !== 'function') return source;
    const token = await source();
    if (typeof token !== 'string' || token === '') throw new TypeError('the token hook returned no token');
    return token;
  }

  private sayHello(conn: Connection, token: string | undefined): void {
    if (conn !== this.conn) return;
    const params: OpParams<'hello'> = {};
    if (token !== undefined) params.token = token;
    else if (this.opts.user !== undefined) params.user = this.opts.user;
    if (this.opts.device !== undefined) params.device = this.opts.device;
    const since = this.seqs.since();
    if (Object.keys(since).length > 0) params.since = since;
    const { id, promise } = this.requests.open<HelloResult>('hello', this.opts.requestTimeoutMs);
    this.transmit(conn, id, { id, op: 'hello', ...params });
    promise.then(
      (result) => this.onHello(conn, result),
      (err: NatterClientError) => this.onHelloError(conn, err),
    );
  }

  private onHello(conn: Connection, result: HelloResult): void {
    if (conn !== this.conn) return;
    clearTimeout(this.handshakeTimer);
    const reconnected = this.everOpened;
    this.everOpened = true;
    this._hello = result;
    this.openedAt = Date.now();
    this.authFailures = 0;
    this._state = 'open';
    if (typeof result.token === 'string') this._token = result.token;
    this.upkeep = new Upkeep(conn, result, {
      opts: this.opts,
      events: this.events,
      requestNow: (op, params, timeoutMs) => this.requestNow(op, params, timeoutMs),
      token: () => this._token,
      setToken: (token) => {
        this._token = token;
      },
    });
    for (const [id, frame] of this.waiting) if (this.requests.has(id)) this.transmit(conn, id, frame);
    this.waiting.clear();
    this.hooks.onOpen(reconnected);
    // Events last: a listener may close the client, and everything above must be in place.
    this.events.emit('state', 'open');
    if (this._token !== undefined) this.events.emit('token', this._token);
    this.events.emit('hello', result);
    const waiter = this.connectWaiter;
    this.connectWaiter = undefined;
    this.connectPromise = undefined;
    waiter?.resolve(result);
  }

  private onHelloError(conn: Connection, err: NatterClientError): void {
    if (conn !== this.conn) return;
    if (err.code === 'unauthenticated' && typeof this.opts.token === 'function' && this.authFailures === 0) {
      // The hook may have handed out a token that expired meanwhile: ask it once more.
      this.authFailures += 1;
      this.authRetry = true;
      conn.close(1000, 'hello: unauthenticated, retrying with a fresh token');
    } else if (err.temporary) {
      this.helloRetryAfter = err.retryAfter;
      conn.close(1000, `hello failed: ${err.code}`);
    } else {
      this.fail(err);
    }
  }

  private onClose(conn: Connection, code: number, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.stopTimers();
    this.requests.failSentOn(
      conn,
      (op) =>
        new NatterClientError('disconnected', `${op}: the connection closed (${code}) before the reply`, {
          op,
        }),
    );
    if (!this.running) return;
    const decision = this.policy.afterClose({
      code,
      bye: this.lastBye,
      openForMs: this.openedAt === undefined ? undefined : Date.now() - this.openedAt,
      canRenewToken: typeof this.opts.token !== 'string',
      authRetry: this.authRetry,
      retryAfterMs: this.helloRetryAfter,
    });
    this.authRetry = false;
    this.helloRetryAfter = undefined;
    if (!decision.reconnect) {
      this.events.emit('disconnect', { code, reason });
      this.fail(decision.error);
      return;
    }
    this.scheduleReconnect(decision.delayMs);
    this.events.emit('disconnect', { code, reason, reconnectInMs: decision.delayMs });
  }

  private scheduleReconnect(delayMs: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.dial();
    }, delayMs);
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
  }

  private setState(state: ConnectionState): void {
    if (this._state === state) return;
    this._state = state;
    this.events.emit('state', state);
  }

  private stopTimers(): void {
    clearTimeout(this.handshakeTimer);
    this.upkeep?.stop();
    this.upkeep = undefined;
  }

  /** The client gives up for good: like close(), with `err` as the reason. */
  private fail(err: NatterClientError): void {
    this.shutdown(
      (op) =>
        new NatterClientError('closed', `${op}: the client gave up: ${err.message}`, { op, cause: err }),
      err,
    );
    this.events.emit('error', err);
  }

  private shutdown(makeError: (op: string) => NatterClientError, connectError?: NatterClientError): void {
    this.running = false;
    this._closed = true;
    this.generation += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopTimers();
    const conn = this.conn;
    this.conn = undefined;
    conn?.close(1000, 'client closed');
    this.waiting.clear();
    this.requests.failAll(makeError);
    this.hooks.onShutdown(makeError);
    const waiter = this.connectWaiter;
    this.connectWaiter = undefined;
    this.connectPromise = undefined;
    waiter?.reject(connectError ?? makeError('connect'));
    this.setState('closed');
  }
}
