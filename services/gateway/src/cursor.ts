import type { MessageView } from '@natter/protocol';
import { type Encoded, encodeFrame } from './frames.ts';

/**
 * A stored message on its way to sessions. Its frame is encoded once per gateway, on first
 * use: the gateway of a DM's sender gets the DM back on the sender's subject and, when the
 * sender has no other session, sends it to nobody.
 */
export class Delivery {
  private encoded: Encoded | undefined;

  constructor(
    readonly msg: MessageView,
    readonly originSession?: string,
  ) {}

  get conv(): string {
    return this.msg.conv;
  }

  get seq(): number {
    return this.msg.seq;
  }

  get frame(): Encoded {
    this.encoded ??= encodeFrame({ ev: 'message', ...this.msg });
    return this.encoded;
  }
}

/**
 * What one session has of one conversation, and what it is owed: the one place a session's
 * delivery state lives. hello and `since` set where it stands, `send` marks what it sent
 * itself, the ordering edge moves it (and queues what arrives while its missing range is
 * fetched), and leaving the conversation drops it whole (`Session.forgetConv`).
 *
 * `own` and `waiting` are made on first use: most cursors never need them.
 */
export class Cursor {
  /** The highest seq the session has (sent to it, sent by it, or known at hello); undefined: none yet. */
  last: number | undefined;
  /** Seqs above `last` this session sent itself: it must never receive them back. */
  private own: Set<number> | undefined;
  /** Set while the session's missing range is fetched: what arrived meanwhile, in arrival order. */
  waiting: Delivery[] | undefined;

  /** The session has everything up to `seq` (never moves back). */
  reach(seq: number): void {
    if (this.last === undefined || seq > this.last) this.last = seq;
  }

  /** The session sent `seq` itself: when it comes by, it moves the cursor but is not sent back. */
  markOwn(seq: number): void {
    if (seq <= (this.last ?? 0)) return;
    this.own ??= new Set();
    this.own.add(seq);
  }

  /** `seq` reached the session: true when it was the session's own (not to be sent). */
  pass(seq: number, originSession: string | undefined, session: string): boolean {
    this.last = seq;
    const mine = this.own?.delete(seq) === true || originSession === session;
    if (this.own?.size === 0) this.own = undefined;
    return mine;
  }
}
