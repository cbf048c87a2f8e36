import { RawJson } from '@natter/contracts';
import { CloseCode, type ErrorBody, type ServerEvent } from '@natter/protocol';
import type { WebSocket } from 'ws';
import { Cursor, type Delivery } from './cursor.ts';
import type { Encoded } from './frames.ts';

export type SessionState = 'greeting' | 'syncing' | 'live' | 'closed';

/**
 * What every session of a gateway shares: its limits and its frame counter. One object per
 * gateway, not per connection (memory per idle connection is a measured cost, bench/).
 */
export interface SessionLimits {
  maxBufferedBytes: number;
  /**
   * Frames handed to the socket that the kernel has not taken yet; past it the session is
   * closed as slow. Bounds the per-frame cost of a slow reader of many small frames, which
   * the byte limit alone lets grow large. Default DEFAULT_MAX_QUEUED_FRAMES.
   */
  maxQueuedFrames?: number;
  /** Live events held while the session syncs; past it the session is closed as slow. */
  maxPendingEvents: number;
  /** Counts every frame sent to a client (`ws` has no "sent" event). */
  framesOut?: { inc(): void };
  /** Called (once) when a session's queue is over a limit. */
  onSlow(s: Session): void;
}

const NO_WATCHES: ReadonlySet<string> = new Set();
const NO_DELIVERIES: readonly Delivery[] = Object.freeze([]);

// Above the largest burst the gateway writes to one session in one go (10 000 held messages of a
// conversation released at once), so only a client that stops reading reaches it.
export const DEFAULT_MAX_QUEUED_FRAMES = 16_384;

/**
 * One authenticated (or greeting) WebSocket connection. Its delivery state is one `Cursor`
 * per conversation (cursor.ts): what it has, what it sent itself, what it waits for; that
 * is what makes delivery exactly-once and in order for this session.
 *
 * Collections most sessions never fill (catch-ups, watches) are created on first use: an
 * idle connection should cost little more than its socket.
 */
export class Session {
  state: SessionState = 'greeting';
  user = '';
  tokenExp: number | undefined;
  /** Made with the first cursor: an idle session of a user with no conversations has none. */
  private cursors: Map<string, Cursor> | undefined;
  private watches: Set<string> | undefined;
  /** Live deliveries that arrived while syncing (made by the first); replayed after `since`. */
  private held: Delivery[] | undefined;
  lastPong = Date.now();
  /** Which second of the heartbeat interval this connection is pinged and checked in (Gateway.checkConnections). */
  heartbeatSlot = 0;
  /** Closes the connection if it has not said hello in time; cleared at hello. */
  helloTimer: NodeJS.Timeout | undefined;
  /** The client address its connection is counted under (connection limits). */
  countedAs: string | undefined;
  private corked = false;
  /** Frames sent whose write has not completed (see SessionLimits.maxQueuedFrames). */
  private queuedFrames = 0;
  private readonly written = (): void => {
    this.queuedFrames--;
  };

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly limits: SessionLimits,
  ) {}

  /** The users this session watches for presence. */
  get watching(): ReadonlySet<string> {
    return this.watches ?? NO_WATCHES;
  }

  watch(user: string): void {
    this.watches ??= new Set();
    this.watches.add(user);
  }

  unwatch(user: string): void {
    this.watches?.delete(user);
  }

  /** Live deliveries held while syncing, in arrival order. */
  get pending(): readonly Delivery[] {
    return this.held ?? NO_DELIVERIES;
  }

  /** Hands over what was held (to replay it) and holds nothing any more. */
  takePending(): readonly Delivery[] {
    const p = this.pending;
    this.held = undefined;
    return p;
  }

  get open(): boolean {
    return this.state !== 'closed' && this.ws.readyState === this.ws.OPEN;
  }

  /** Sends an encoded frame; closes the session with 4009 when its queue is over a limit (bytes or frames). */
  sendRaw(frame: Encoded | string): void {
    if (!this.open) return;
    this.corkUntilNextTick();
    this.queuedFrames++;
    this.limits.framesOut?.inc();
    this.ws.send(frame, { binary: false }, this.written);
    if (
      this.ws.bufferedAmount > this.limits.maxBufferedBytes ||
      this.queuedFrames > (this.limits.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES)
    ) {
      this.limits.onSlow(this);
    }
  }

  /**
   * Frames written to this socket in one tick (a burst of room messages arriving in one
   * NATS read) leave in one syscall instead of one each: writes are the gateway's largest
   * cost in fanout (bench/). `ws` keeps its socket private, hence the cast.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: import('node:net').Socket })._socket;
    if (!socket || typeof socket.cork !== 'function') return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  event(ev: ServerEvent): void {
    this.sendRaw(JSON.stringify(ev));
  }

  reply(id: number | string | undefined, result: unknown): void {
    if (id === undefined) return;
    // A backend's answer passed on as its JSON bytes (RpcClient.callRaw) is neither parsed
    // nor decoded and encoded again: one copy into the frame.
    if (result instanceof RawJson) {
      const frame = result.framed(`{"re":${JSON.stringify(id)},"result":`, '}');
      this.sendRaw(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    } else this.sendRaw(JSON.stringify({ re: id, result }));
  }

  fail(id: number | string | undefined, op: string, error: ErrorBody): void {
    if (id === undefined) this.sendRaw(JSON.stringify({ ev: 'error', op, error }));
    else this.sendRaw(JSON.stringify({ re: id, error }));
  }

  /**
   * Sends `bye` (when the socket can still take it) and closes with `code`. `spreadMs` tells a
   * client to spread its reconnect over that long (a draining gateway's bye carries it).
   */
  close(code: CloseCode, reason: string, reconnect = true, detail?: string, spreadMs?: number): void {
    if (this.state === 'closed') return;
    if (this.ws.readyState === this.ws.OPEN) {
      // A slow consumer's buffer is full: a bye would only wait behind it.
      if (code !== CloseCode.SlowConsumer)
        this.event(
          spreadMs === undefined
            ? { ev: 'bye', reason, reconnect }
            : { ev: 'bye', reason, reconnect, spreadMs },
        );
      // Close reasons are limited to 123 bytes.
      this.ws.close(
        code,
        Buffer.from(detail ?? reason)
          .subarray(0, 120)
          .toString(),
      );
    }
    this.state = 'closed';
  }

  /** The session's cursor of `conv`, made on first use. */
  cursor(conv: string): Cursor {
    this.cursors ??= new Map();
    let c = this.cursors.get(conv);
    if (!c) {
      c = new Cursor();
      this.cursors.set(conv, c);
    }
    return c;
  }

  /** The session's cursor of `conv`, if it has one (reading must not make one). */
  cursorOf(conv: string): Cursor | undefined {
    return this.cursors?.get(conv);
  }

  /**
   * The session's user left `conv` (or was removed): nothing of it stays, so a later join
   * starts from the join's `seq` and never fills the time in between from a stale cursor;
   * a catch-up in flight finds its cursor gone and throws its answer away.
   */
  forgetConv(conv: string): void {
    this.cursors?.delete(conv);
    if (this.held) this.held = this.held.filter((d) => d.conv !== conv);
  }

  /** Holds a live delivery while syncing; false when the session must be closed as slow. */
  hold(d: Delivery): boolean {
    this.held ??= [];
    this.held.push(d);
    return this.held.length <= this.limits.maxPendingEvents;
  }
}
