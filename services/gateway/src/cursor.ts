import { type Encoded, encodeFrame } from './frames.ts';

/**
 * A change of a conversation on its way to sessions (a stored message, an edit, a delete, a
 * reaction, a pin, or a message's whole state). `ver` (PROTOCOL 1.1) orders every change of
 * one conversation, new messages included: each takes the conversation's next one, so
 * delivery in `ver` order with no gap is delivery of every message in `seq` order and of
 * every change after what it changes.
 *
 * Its frame is encoded once per gateway, on first use: the gateway of a DM's sender gets the
 * DM back on the sender's subject and, when the sender has no other session, sends it to
 * nobody.
 */
export class Delivery {
  private encoded: Encoded | undefined;

  constructor(
    readonly conv: string,
    readonly ver: number,
    private readonly body: object,
    readonly originSession?: string,
  ) {}

  get frame(): Encoded {
    this.encoded ??= encodeFrame(this.body);
    return this.encoded;
  }
}

/**
 * What one session has of one conversation, and what it is owed: the one place a session's
 * delivery state lives. hello and `since` set where it stands, `send` and the other changes
 * mark what it made itself, the ordering edge moves it (and queues what arrives while its
 * missing range is fetched), and leaving the conversation drops it whole
 * (`Session.forgetConv`). Positions are `ver`s.
 *
 * `own` and `waiting` are made on first use: most cursors never need them.
 */
export class Cursor {
  /** The highest ver the session has (sent to it, made by it, or known at hello); undefined: none yet. */
  ver: number | undefined;
  /** Vers above `ver` this session made itself: it must never receive them back. */
  private own: Set<number> | undefined;
  /** Set while the session's missing range is fetched: what arrived meanwhile, in arrival order. */
  waiting: Delivery[] | undefined;

  /** The session has everything up to `ver` (never moves back). */
  reach(ver: number): void {
    if (this.ver === undefined || ver > this.ver) this.ver = ver;
  }

  /** The session made `ver` itself: when it comes by, it moves the cursor but is not sent back. */
  markOwn(ver: number): void {
    if (ver <= (this.ver ?? 0)) return;
    this.own ??= new Set();
    this.own.add(ver);
  }

  /** `ver` reached the session: true when it was the session's own (not to be sent). */
  pass(ver: number, originSession: string | undefined, session: string): boolean {
    this.ver = ver;
    const mine = this.own?.delete(ver) === true || originSession === session;
    if (this.own?.size === 0) this.own = undefined;
    return mine;
  }
}
