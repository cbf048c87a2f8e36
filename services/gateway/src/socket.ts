import type { Logger } from '@natter/log';
import { type RawData, WebSocket } from 'ws';
import type { Session } from './session.ts';

/**
 * The gateway's `ws` socket class: it knows its session (a field, so no per-socket property
 * store), which lets one set of listeners serve every connection. Per-connection closures
 * would cost memory on every idle connection (bench/).
 */
export class SessionSocket extends WebSocket {
  session!: Session;
}

const sessionOf = (ws: WebSocket): Session => (ws as SessionSocket).session;

/** What the shared listeners hand a connection's events to. */
export interface SocketEvents {
  readonly log: Logger;
  onFrame(s: Session, data: RawData, isBinary: boolean): void;
  onSocketClose(s: Session): void;
}

/** One set of `ws` listeners for all of a gateway's connections. */
export function socketListeners(gw: SocketEvents) {
  return {
    message(this: WebSocket, data: RawData, isBinary: boolean): void {
      gw.onFrame(sessionOf(this), data, isBinary);
    },
    pong(this: WebSocket): void {
      sessionOf(this).lastPong = Date.now();
    },
    error(this: WebSocket, err: Error): void {
      // ws reports 1009 (too large) and invalid frames here before closing.
      gw.log.debug({ err, session: sessionOf(this).id }, 'websocket error');
    },
    close(this: WebSocket): void {
      gw.onSocketClose(sessionOf(this));
    },
  };
}
