import { HISTORY_PAGE, type MessageView } from '@natter/protocol';
import { type Delivery, encodeFrame, type Session } from './session.ts';

/**
 * The reliability edge (DESIGN.md promise 3). Core NATS delivers at most once and two
 * history instances may publish one conversation out of order, so the gateway restores
 * order twice over:
 *
 * - per conversation, once per gateway (`ConvStream`): messages are emitted to sessions in
 *   seq order; an early one is held for `reorderWaitMs`, then the gap is fetched from
 *   history. Emitting once per gateway keeps a gap in a big room at one history query.
 * - per session (`deliverTo`): a cursor drops what the session already has (replays,
 *   its own sends) and fetches what it alone is missing (it joined mid-stream).
 */
export interface OrderingDeps {
  reorderWaitMs: number;
  /**
   * Messages of `conv` with seq in (after, upTo], oldest first. With `user`, history
   * authorizes the read for that user (a session's own catch-up); without, it is the
   * gateway's per-conversation gap fill, whose messages reach only sessions that pass
   * `mayReceive`.
   */
  fetch(conv: string, after: number, upTo: number, user?: string): Promise<MessageView[]>;
  /** The live sessions that may receive `conv` on this gateway. */
  sessionsOf(conv: string): Iterable<Session>;
  /**
   * Whether the session's user is, as far as the rooms service confirmed, in `conv` now.
   * Checked for every message a session is given, whatever path it came by.
   */
  mayReceive(s: Session, conv: string): boolean;
  /** Called when a session can no longer be brought up to date: it should resume. */
  resync(s: Session, why: string): void;
  onError(err: unknown, conv: string): void;
}

export function toDelivery(msg: MessageView, originSession?: string): Delivery {
  return { conv: msg.conv, seq: msg.seq, frame: encodeFrame({ ev: 'message', ...msg }), originSession };
}

const MAX_HELD = 10_000;
const RETRY_MS = 1000;
const MAX_RETRIES = 5;

async function fetchRange(
  deps: OrderingDeps,
  conv: string,
  after: number,
  upTo: number,
  user?: string,
): Promise<MessageView[]> {
  const out: MessageView[] = [];
  let from = after;
  while (from < upTo) {
    const page = await deps.fetch(conv, from, Math.min(upTo, from + HISTORY_PAGE.max), user);
    if (page.length === 0) break;
    for (const m of page) if (m.seq > from && m.seq <= upTo) out.push(m);
    from = page[page.length - 1].seq;
  }
  return out;
}

class ConvStream {
  delivered: number | undefined;
  readonly held = new Map<number, Delivery>();
  private timer: NodeJS.Timeout | undefined;
  private fetching = false;
  private retries = 0;
  lastActive = Date.now();

  constructor(
    readonly conv: string,
    private readonly deps: OrderingDeps,
    private readonly emit: (d: Delivery) => void,
  ) {}

  push(d: Delivery): void {
    this.lastActive = Date.now();
    if (this.delivered === undefined) this.delivered = this.baseline(d);
    if (d.seq <= this.delivered || this.held.has(d.seq)) return;
    if (d.seq === this.delivered + 1 && !this.fetching) {
      this.emitNext(d);
      this.drainHeld();
      return;
    }
    this.held.set(d.seq, d);
    if (this.held.size > MAX_HELD) this.fillGap();
    else if (!this.timer && !this.fetching)
      this.timer = setTimeout(() => this.fillGap(), this.deps.reorderWaitMs);
  }

  /** Where to start: the lowest cursor of the sessions that will receive it. */
  private baseline(d: Delivery): number {
    let min: number | undefined;
    const isDm = this.conv.startsWith('dm:');
    for (const s of this.deps.sessionsOf(this.conv)) {
      if (s.state !== 'live') continue;
      const last = s.lastSeq.get(this.conv) ?? (isDm ? 0 : undefined);
      if (last !== undefined && (min === undefined || last < min)) min = last;
    }
    return min === undefined ? d.seq - 1 : Math.min(min, d.seq - 1);
  }

  private emitNext(d: Delivery): void {
    this.delivered = d.seq;
    this.emit(d);
  }

  private drainHeld(): void {
    for (;;) {
      const next = this.held.get((this.delivered ?? 0) + 1);
      if (!next) break;
      this.held.delete(next.seq);
      this.emitNext(next);
    }
    if (this.held.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private fillGap(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fetching || this.held.size === 0) return;
    this.fetching = true;
    const after = this.delivered ?? 0;
    const upTo = Math.min(...this.held.keys()) - 1;
    fetchRange(this.deps, this.conv, after, upTo)
      .then((msgs) => {
        this.fetching = false;
        this.retries = 0;
        for (const m of msgs) {
          if (m.seq !== (this.delivered ?? 0) + 1) continue;
          const held = this.held.get(m.seq);
          this.held.delete(m.seq);
          this.emitNext(held ?? toDelivery(m));
        }
        for (const seq of this.held.keys()) if (seq <= (this.delivered ?? 0)) this.held.delete(seq);
        // Whatever history did not have (it cannot happen: a published seq was committed)
        // must not block the stream forever: skip to the held messages.
        if (this.held.size && Math.min(...this.held.keys()) > upTo + 1) {
          this.delivered = Math.max(this.delivered ?? 0, upTo);
        } else if (this.held.size && Math.min(...this.held.keys()) > (this.delivered ?? 0) + 1) {
          this.delivered = Math.min(...this.held.keys()) - 1;
        }
        this.drainHeld();
        // Held messages further on may have their own gap: fill it now, we already waited.
        if (this.held.size) this.timer = setTimeout(() => this.fillGap(), 0);
      })
      .catch((err) => {
        this.fetching = false;
        this.deps.onError(err, this.conv);
        if (++this.retries > MAX_RETRIES) {
          this.retries = 0;
          this.delivered = Math.min(...this.held.keys()) - 1;
          for (const s of this.deps.sessionsOf(this.conv)) this.deps.resync(s, 'history unavailable');
          this.drainHeld();
          return;
        }
        this.timer = setTimeout(() => this.fillGap(), RETRY_MS);
      });
  }

  get idle(): boolean {
    return this.held.size === 0 && !this.fetching;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export class Ordering {
  private readonly streams = new Map<string, ConvStream>();

  constructor(private readonly deps: OrderingDeps) {}

  /** A stored message arrived from the bus. */
  push(d: Delivery): void {
    let stream = this.streams.get(d.conv);
    if (!stream) {
      stream = new ConvStream(d.conv, this.deps, (x) => this.emit(x));
      this.streams.set(d.conv, stream);
    }
    stream.push(d);
  }

  private emit(d: Delivery): void {
    // sessionsOf yields only sessions of confirmed members: the check of deliverTo is theirs.
    for (const s of this.deps.sessionsOf(d.conv)) this.toSession(s, d);
  }

  /** Delivers one in-order message to one session, through its cursor, if its user is in `conv`. */
  deliverTo(s: Session, d: Delivery): void {
    if (this.deps.mayReceive(s, d.conv)) this.toSession(s, d);
  }

  private toSession(s: Session, d: Delivery): void {
    if (s.state === 'syncing') {
      if (!s.hold(d)) this.deps.resync(s, 'too many events while syncing');
      return;
    }
    if (s.state !== 'live') return;
    const waiting = s.catchingUp?.get(d.conv);
    if (waiting) {
      waiting.push(d);
      return;
    }
    const last = s.lastSeq.get(d.conv) ?? (d.conv.startsWith('dm:') ? 0 : d.seq - 1);
    if (d.seq <= last) return;
    if (d.seq > last + 1) {
      this.catchUp(s, d.conv, last, d.seq - 1, [d]);
      return;
    }
    this.advance(s, d);
  }

  /**
   * The session's user was just confirmed a member of `conv` with the session's cursor set:
   * anything this gateway delivered of it in between (before the membership was confirmed)
   * is fetched for the session, authorized as its user.
   */
  admit(s: Session, conv: string): void {
    const delivered = this.streams.get(conv)?.delivered;
    const last = s.lastSeq.get(conv);
    if (s.state !== 'live' || delivered === undefined || last === undefined || delivered <= last) return;
    if (s.catchingUp?.has(conv)) return;
    this.catchUp(s, conv, last, delivered, []);
  }

  private advance(s: Session, d: Delivery): void {
    s.lastSeq.set(d.conv, d.seq);
    const own = s.ownSeqs?.get(d.conv);
    const mine = own?.delete(d.seq) || d.originSession === s.id;
    if (own?.size === 0) s.ownSeqs?.delete(d.conv);
    if (!mine) s.sendRaw(d.frame);
  }

  /**
   * This session alone misses (last, upTo]: fetch it as the session's user (history refuses a
   * user who is no longer in the conversation), then deliver what queued meanwhile. Leaving
   * the conversation meanwhile drops the catch-up (`Session.forgetConv`): its answer is then
   * thrown away.
   */
  private catchUp(s: Session, conv: string, last: number, upTo: number, queued: Delivery[]): void {
    s.catchingUp ??= new Map();
    s.catchingUp.set(conv, queued);
    fetchRange(this.deps, conv, last, upTo, s.user)
      .then((msgs) => {
        if (s.catchingUp?.get(conv) !== queued) return;
        s.catchingUp.delete(conv);
        if (!this.deps.mayReceive(s, conv) || s.state !== 'live') return;
        for (const m of msgs) {
          if (m.seq === (s.lastSeq.get(conv) ?? last) + 1) this.advance(s, toDelivery(m));
        }
        if ((s.lastSeq.get(conv) ?? last) < upTo) s.lastSeq.set(conv, upTo);
        for (const q of queued) this.toSession(s, q);
      })
      .catch((err) => {
        if (s.catchingUp?.get(conv) !== queued) return;
        s.catchingUp.delete(conv);
        this.deps.onError(err, conv);
        this.deps.resync(s, 'history unavailable');
      });
  }

  /** Drops idle streams; their state is rebuilt from session cursors on the next message. */
  sweep(idleMs: number): void {
    const now = Date.now();
    for (const [conv, stream] of this.streams) {
      if (stream.idle && now - stream.lastActive > idleMs) {
        stream.stop();
        this.streams.delete(conv);
      }
    }
  }

  stop(): void {
    for (const s of this.streams.values()) s.stop();
    this.streams.clear();
  }
}
