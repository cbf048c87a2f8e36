import type { WebSocketConstructor, WebSocketLike } from './websocket.ts';
import { WS_OPEN } from './websocket.ts';

/** A reply frame: `{"re": 7, "result": {...}}` or `{"re": 7, "error": {...}}`. */
export interface ReplyFrame {
  re: unknown;
  result?: unknown;
  error?: unknown;
}

/** An event frame: `{"ev": "message", ...fields}`. */
export interface EventFrame {
  ev: string;
  [field: string]: unknown;
}

export interface ConnectionHandlers {
  onOpen(): void;
  onReply(frame: ReplyFrame): void;
  onEvent(frame: EventFrame): void;
  /** Called exactly once, whether the server, the network or `close()` ended it. */
  onClose(code: number, reason: string): void;
}

/**
 * One WebSocket to a gateway: JSON framing in both directions and a close that is
 * reported exactly once. It knows nothing of sessions or retries; NatterClient makes a
 * new Connection for every (re)connect.
 */
export class Connection {
  private readonly ws: WebSocketLike;
  private closed = false;

  /** Throws when the URL is not a valid WebSocket URL. */
  constructor(
    WebSocket: WebSocketConstructor,
    url: string,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.ws = new WebSocket(url);
    const ws = this.ws;
    ws.onopen = () => {
      if (!this.closed) handlers.onOpen();
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (this.closed) return;
      // Binary frames are not part of the protocol; the server never sends them.
      if (typeof event.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return;
      if ('re' in frame) handlers.onReply(frame as ReplyFrame);
      else if ('ev' in frame && typeof frame.ev === 'string') handlers.onEvent(frame as EventFrame);
    };
    ws.onclose = (event: { code?: number; reason?: string }) => {
      this.finish(event.code ?? 1006, event.reason ?? '');
    };
    // An error is always followed by a close event, which does the work.
    ws.onerror = () => {};
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WS_OPEN;
  }

  /** Sends one frame; false when the socket is not open (the frame is dropped). */
  send(frame: object): boolean {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Closes the socket and reports the close at once: on a dead network the close
   * handshake may take minutes, and the client should not wait for it to reconnect.
   */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // Already closing, or a code the implementation refuses: the socket is going anyway.
    }
    this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code, reason);
  }
}
