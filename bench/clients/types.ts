/**
 * What the load generator needs from a chat system, one adapter per system. `to` is written
 * as in Natter's protocol (`user:<name>` or `room:<name>`); adapters translate it.
 */
export interface ChatClient {
  readonly user: string;
  /** Resolves once the system acknowledged the message (for the persisting systems: stored). */
  send(to: string, text: string): Promise<void>;
  /** Fetches one page of a conversation; resolves with how many messages it held. */
  history(conv: string, before: number | undefined, limit: number): Promise<number>;
  /**
   * Called with the text of every message event this client receives and which message it
   * is; `arrivedAt` (wall ms) is taken when the frame came off the socket, before it was
   * parsed, where the adapter can (else the receiver stamps it), and `storedAt` is the
   * system's store time when it says.
   */
  onMessage: ((text: string, ref?: MessageRef, arrivedAt?: number, storedAt?: number) => void) | undefined;
  /** Reacts to a message (the `reactions` scenario; Natter, the peer and the raw ws relay). */
  react?(ref: MessageRef, emoji: string): Promise<void>;
  /** Called for every reaction event this client receives: the message and who reacted. */
  onReaction?: ((ref: MessageRef, user: string) => void) | undefined;
  close(): void;
}

/**
 * A message as its system names it: Natter's conversation and seq, the peer's conv and row id,
 * the ws relay's room and its per-room counter.
 */
export interface MessageRef {
  conv: string;
  seq: number;
}

export interface ConnectOptions {
  user: string;
  url: string;
  rooms?: string[];
  /** Loopback source address (127.0.0.x), to open more connections than one address has ports. */
  localAddress?: string;
  timeoutMs: number;
}

/** A request the system answered with an error (not a transport failure). */
export class RequestFailed extends Error {
  override name = 'RequestFailed';
  constructor(
    message: string,
    /** The protocol's error code, and its `retryAfter` (ms) when it gave one. */
    readonly code = 'unknown',
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The connection closed or did not answer in time. */
export class ConnectionFailed extends Error {
  override name = 'ConnectionFailed';
}
