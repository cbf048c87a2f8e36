import { HISTORY_PAGE, type MessageView } from '@natter/protocol';
import { type Cursor, Delivery } from './cursor.ts';
import type { Session } from './session.ts';

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
  return new Delivery(msg, originSession);
}

const MAX_HELD = 10_000;
/** A conversation with no live message for this long counts as quiet for the periodic repair. */
const REPAIR_IDLE_MS = 2000;
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

/** The lowest cursor of the live sessions that receive `conv` here (a DM's starts at 0). */
function lowestCursor(deps: OrderingDeps, conv: string): number | undefined {
  let min: number | undefined;
  const isDm = conv.startsWith('dm:');
  for (const s of deps.sessionsOf(conv)) {
    if (s.state !== 'live') continue;
    const last = s.cursorOf(conv)?.last ?? (isDm ? 0 : undefined);
    if (last !== undefined && (min === undefined || last < min)) min = last;
  }
  return min;
}

class ConvStream {
  delivered: number | undefined;
  readonly held = new Map<number, Delivery>();
  private timer: NodeJS.Timeout | undefined;
  private fetching = false;
  private retries = 0;
  /** A position the conversation is known to have reached (Ordering.repair), to fetch up to. */
  private target = 0;
  lastActive = Date.now();
  /** When a live message last arrived (0: never). */
  lastPush = 0;

  constructor(
    readonly conv: string,
    private readonly deps: OrderingDeps,
    private readonly emit: (d: Delivery) => void,
  ) {}

  push(d: Delivery): void {
    this.lastActive = Date.now();
    this.lastPush = this.lastActive;
    if (this.delivered === undefined) this.delivered = this.baseline(d.seq);
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

  /** The conversation has reached `latest` (a position check said so): fetch what did not arrive. */
  repairTo(latest: number): void {
    this.lastActive = Date.now();
    if (this.delivered === undefined) this.delivered = this.baseline(latest + 1);
    if (latest <= this.delivered) return;
    this.target = Math.max(this.target, latest);
    if (!this.timer) this.fillGap();
  }

  /** Where to start for a message `seq`: the lowest cursor of the sessions that will receive it. */
  private baseline(seq: number): number {
    const min = lowestCursor(this.deps, this.conv);
    return min === undefined ? seq - 1 : Math.min(min, seq - 1);
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

  private firstHeld(): number {
    return Math.min(...this.held.keys());
  }

  /**
   * Fetches what is missing before the first held message (or, with nothing held, up to a
   * repair target) from history, once for the gateway, and emits it in order.
   */
  private fillGap(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const from = this.delivered ?? 0;
    const upTo = this.held.size ? this.firstHeld() - 1 : this.target;
    if (this.fetching || upTo <= from) return;
    this.fetching = true;
    fetchRange(this.deps, this.conv, from, upTo).then(
      (msgs) => this.filled(msgs, from, upTo),
      (err: unknown) => this.fillFailed(err),
    );
  }

  private filled(msgs: MessageView[], from: number, upTo: number): void {
    this.fetching = false;
    this.retries = 0;
    for (const m of msgs) {
      if (m.seq !== (this.delivered ?? 0) + 1) continue;
      const held = this.held.get(m.seq);
      this.held.delete(m.seq);
      this.emitNext(held ?? toDelivery(m));
    }
    const delivered = this.delivered ?? 0;
    for (const seq of this.held.keys()) if (seq <= delivered) this.held.delete(seq);
    // A seq history did not return within the range cannot exist (seqs are published after
    // commit); should one be missing, it must not block the stream: skip it. What lies past
    // the fetched range is fetched next.
    if (this.held.size && this.firstHeld() > delivered + 1) {
      this.delivered = Math.max(delivered, Math.min(upTo, this.firstHeld() - 1));
    }
    this.drainHeld();
    // A repair target raised meanwhile is fetched next; one history could not reach is
    // dropped (the next position check sets it again).
    const reached = this.delivered ?? 0;
    const repairing = this.held.size === 0 && this.target > reached && reached > from;
    if (this.held.size === 0 && !repairing) this.target = 0;
    // Held messages further on may have their own gap: fill it now, we already waited.
    if (this.held.size || repairing) this.timer = setTimeout(() => this.fillGap(), 0);
  }

  private fillFailed(err: unknown): void {
    this.fetching = false;
    this.deps.onError(err, this.conv);
    // Only a repair was waiting: the next position check tries again.
    if (this.held.size === 0) {
      this.target = 0;
      return;
    }
    if (++this.retries > MAX_RETRIES) {
      // History stays away: the sessions resume with `since` instead, and the stream goes on.
      this.retries = 0;
      this.delivered = this.firstHeld() - 1;
      for (const s of this.deps.sessionsOf(this.conv)) this.deps.resync(s, 'history unavailable');
      this.drainHeld();
      return;
    }
    this.timer = setTimeout(() => this.fillGap(), RETRY_MS);
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
    this.stream(d.conv).push(d);
  }

  private stream(conv: string): ConvStream {
    let stream = this.streams.get(conv);
    if (!stream) {
      stream = new ConvStream(conv, this.deps, (x) => this.emit(x));
      this.streams.set(conv, stream);
    }
    return stream;
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
    const c = s.cursor(d.conv);
    if (c.waiting) {
      c.waiting.push(d);
      return;
    }
    const last = c.last ?? (d.conv.startsWith('dm:') ? 0 : d.seq - 1);
    if (d.seq <= last) return;
    if (d.seq > last + 1) {
      this.catchUp(s, c, d.conv, last, d.seq - 1, [d]);
      return;
    }
    this.advance(s, c, d);
  }

  /**
   * The session's user was just confirmed a member of `conv` with the session's cursor set:
   * anything this gateway delivered of it in between (before the membership was confirmed)
   * is fetched for the session, authorized as its user.
   */
  admit(s: Session, conv: string): void {
    const delivered = this.streams.get(conv)?.delivered;
    const c = s.cursorOf(conv);
    const last = c?.last;
    if (!c || s.state !== 'live' || delivered === undefined || last === undefined || delivered <= last)
      return;
    if (c.waiting) return;
    this.catchUp(s, c, conv, last, delivered, []);
  }

  private advance(s: Session, c: Cursor, d: Delivery): void {
    if (!c.pass(d.seq, d.originSession, s.id)) s.sendRaw(d.frame);
  }

  /**
   * This session alone misses (last, upTo]: fetch it as the session's user (history refuses a
   * user who is no longer in the conversation), then deliver what queued meanwhile. Leaving
   * the conversation meanwhile drops the catch-up (`Session.forgetConv`): its answer is then
   * thrown away.
   */
  private catchUp(s: Session, c: Cursor, conv: string, last: number, upTo: number, queued: Delivery[]): void {
    c.waiting = queued;
    // Still this cursor, still waiting for this fetch: leaving drops the cursor (forgetConv).
    const current = () => s.cursorOf(conv) === c && c.waiting === queued;
    fetchRange(this.deps, conv, last, upTo, s.user)
      .then((msgs) => {
        if (!current()) return;
        c.waiting = undefined;
        if (!this.deps.mayReceive(s, conv) || s.state !== 'live') return;
        for (const m of msgs) if (m.seq === (c.last ?? last) + 1) this.advance(s, c, toDelivery(m));
        c.reach(upTo);
        for (const q of queued) this.toSession(s, q);
      })
      .catch((err) => {
        if (!current()) return;
        c.waiting = undefined;
        this.deps.onError(err, conv);
        this.deps.resync(s, 'history unavailable');
      });
  }

  /**
   * A position check found `conv` at `latest`: whatever this gateway has not delivered of it
   * up to there is fetched once for the gateway and goes out in order, as if it had arrived.
   * Sessions with no cursor for a room (nothing delivered here yet) start with the next one.
   */
  repair(conv: string, latest: number, opts: { whileIdle?: boolean } = {}): void {
    const stream = this.streams.get(conv);
    if (stream) {
      // While messages flow, history is always a little ahead of what has arrived (they are
      // in flight), and a lost one shows as a gap the next message reveals: a periodic check
      // repairs only conversations that have gone quiet. After a reconnect it repairs all.
      if (opts.whileIdle && Date.now() - stream.lastPush < REPAIR_IDLE_MS) return;
      stream.repairTo(latest);
      return;
    }
    // Most checks find nothing missing: no stream is made for a conversation that is current.
    const min = lowestCursor(this.deps, conv);
    if (min !== undefined && min < latest) this.stream(conv).repairTo(latest);
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
