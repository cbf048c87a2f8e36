import type { HelloResult } from '@natter/protocol';
import type { Connection } from './connection.ts';
import type { Emitter } from './emitter.ts';
import { wrap } from './errors.ts';
import type { ClientEvents } from './events.ts';
import { Heartbeat } from './heartbeat.ts';
import type { OpParams } from './ops.ts';
import type { ResolvedOptions } from './options.ts';
import { TokenRefresher } from './token-refresher.ts';

export interface UpkeepDeps {
  opts: ResolvedOptions;
  events: Emitter<ClientEvents>;
  /** A request on this session only (Session.requestNow). */
  requestNow<O extends 'ping' | 'refresh'>(op: O, params: OpParams<O>, timeoutMs: number): Promise<unknown>;
  /** The session's token now, and what to do with a new one. */
  token(): string | undefined;
  setToken(token: string): void;
}

/**
 * What keeps one open session going, started when its hello is answered and stopped when
 * its connection ends: heartbeats when the server asks for them (`heartbeat` in the hello
 * result; closing a connection that stopped answering), and the token's refresh before it
 * expires when the app hands out tokens through a hook.
 */
export class Upkeep {
  private readonly heartbeat: Heartbeat | undefined;
  private readonly refresher: TokenRefresher | undefined;

  constructor(conn: Connection, hello: HelloResult, deps: UpkeepDeps) {
    const { opts, events } = deps;
    if (opts.heartbeat && hello.heartbeat > 0) {
      const intervalMs = hello.heartbeat * 1000;
      this.heartbeat = new Heartbeat(
        intervalMs,
        () => deps.requestNow('ping', {}, intervalMs),
        () => conn.close(1000, 'heartbeat: 2 pings without a reply'),
      );
      this.heartbeat.start();
    }
    const hook = opts.token;
    const token = deps.token();
    if (typeof hook === 'function' && token !== undefined) {
      this.refresher = new TokenRefresher({
        fetchToken: hook,
        sendRefresh: (next) => deps.requestNow('refresh', { token: next }, opts.requestTimeoutMs),
        onRefreshed: (next) => {
          deps.setToken(next);
          events.emit('token', next);
        },
        onError: (cause) =>
          events.emit('error', wrap('unauthenticated', 'token refresh failed; retrying', cause, 'refresh')),
        backoff: opts.reconnect,
      });
      this.refresher.start(token);
    }
  }

  stop(): void {
    this.heartbeat?.stop();
    this.refresher?.stop();
  }
}
