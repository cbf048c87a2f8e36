import type { ChangesReply } from '@natter/contracts';
import type { ChangeEvent, MessageView } from '@natter/protocol';
import { type Cursor, Delivery } from './cursor.ts';
import type { Session } from './session.ts';

/**
 * The reliability edge (DESIGN.md promise 3). Core NATS delivers at most once and two
 * history instances may publish one conversation out of order, so the gateway restores
 * order twice over:
 *
 * - per conversation, once per gateway (`ConvStream`): messages and changes are emitted to
 *   sessions in `ver` order (every new message takes the next `ver` too, so this is `seq`
 *   order for messages); an early one is held for `reorderWaitMs`, then what is missing is
 *   fetched from history as the current state of what changed. Emitting once per gateway
 *   keeps a gap in a big room at one history query.
 * - per session (`deliverTo`): a cursor drops what the session already has (replays,
 *   its own changes) and fetches what it alone is missing (it joined mid-stream).
 *
 * Nothing here knows what a conversation id means beyond `dm:` starting at 0, so a thread
 * (`thread:<conv>:<seq>`, its own seq and ver) can use it as it is.
 */
export interface OrderingDeps {
  reorderWaitMs: number;
  /**
   * One page of the changes of `conv` after `after` (ChangesRequest): the current state of
   * each message changed or created since, in ver order. With `user`, history authorizes the
   * read for that user (a session's own catch-up); without, it is the gateway's
   * per-conversation gap fill, whose changes reach only sessions that pass `mayReceive`.
   */
  fetch(conv: string, after: number, user?: string): Promise<ChangesReply>;
  /** The live sessions that may receive `conv` on this gateway. */
  sessionsOf(conv: string): Iterable<Session>;
  /**
   * Whether the session's user is, as far as the rooms service confirmed, in `conv` now.
   * Checked for every change a session is given, whatever path it came by.
   */
  mayReceive(s: Session, conv: string): boolean;
  /** Called when a session can no longer be brought up to date: it should resume. */
  resync(s: Session, why: string): void;
  onError(err: unknown, conv: string): void;
}

/** A stored message as it arrived live. */
export function toDelivery(msg: MessageView, originSession?: string): Delivery {
  return new Delivery(msg.conv, msg.ver, { ev: 'message', ...msg }, originSession);
}

/** A change as it arrived live (`edit`, `delete`, `reaction`, `pin`). */
export function changeDelivery(change: ChangeEvent, originSession?: string): Delivery {
  return new Delivery(change.conv, change.ver, change, originSession);
}

/**
 * A message's current state fetched for a reader who had everything up to some ver: a new
 * message to it (`fresh`) is a `message`, a change of one it has an `update` (or `delete`
 * for a tombstone). The state includes every change up to its `ver`.
 */
export function stateDelivery(c: { msg: MessageView; fresh: boolean }): Delivery {
  const m = c.msg;
  const at = { conv: m.conv, seq: m.seq, ver: m.ver };
  const frame = c.fresh
    ? { ev: 'message', ...m }
    : m.deleted
      ? { ev: 'delete', ...at }
      : { ev: 'update', ...at, message: m };
  return new Delivery(m.conv, m.ver, frame);
}

const MAX_HELD = 10_000;
/** A conversation with no live change for this long counts as quiet for the periodic repair. */
const REPAIR_IDLE_MS = 2000;
const RETRY_MS = 1000;
const MAX_RETRIES = 5;

/**
 * Everything of `conv` after `after`, page by page, up to the end: the current state of
 * every message changed since, in ver order, and `reached`, the conversation's ver when the
 * last page was read. A reader who applies them has every change up to `reached` (a change
 * superseded meanwhile comes as the later state of its message, in a later page).
 */
export async function fetchChanges(
  deps: Pick<OrderingDeps, 'fetch'>,
  conv: string,
  after: number,
  user?: string,
): Promise<{ deliveries: Delivery[]; reached: number }> {
  const deliveries: Delivery[] = [];
  let from = after;
  for (;;) {
    const page = await deps.fetch(conv, from, user);
    for (const c of page.changes) if (c.msg.ver > from) deliveries.push(stateDelivery(c));
    const last = page.changes.at(-1)?.msg.ver;
    if (!page.more || last === undefined || last <= from) {
      return { deliveries, reached: Math.max(from, page.ver, last ?? 0) };
    }
    from = last;
  }
}

/** The lowest cursor of the live sessions that receive `conv` here (a DM's starts at 0). */
function lowestCursor(deps: OrderingDeps, conv: string): number | undefined {
  let min: number | undefined;
  const isDm = conv.startsWith('dm:');
  for (const s of deps.sessionsOf(conv)) {
    if (s.state !== 'live') continue;
    const ver = s.cursorOf(conv)?.ver ?? (isDm ? 0 : undefined);
    if (ver !== undefined && (min === undefined || ver < min)) min = ver;
  }
  return min;
}

class ConvStream {
  /** The highest ver emitted to the sessions (undefined until the first change comes by). */
  delivered: number | undefined;
  readonly held = new Map<number, Delivery>();
  private timer: NodeJS.Timeout | undefined;
  private fetching = false;
  private retries = 0;
  lastActive = Date.now();
  /** When a live change last arrived (0: never). */
  lastPush = 0;

  constructor(
    readonly conv: string,
    private readonly deps: OrderingDeps,
    private readonly emit: (d: Delivery) => void,
  ) {}

  push(d: Delivery): void {
    this.lastActive = Date.now();
    this.lastPush = this.lastActive;
    if (this.delivered === undefined) this.delivered = this.baseline(d.ver);
    if (d.ver <= this.delivered || this.held.has(d.ver)) return;
    if (d.ver === this.delivered + 1 && !this.fetching) {
      this.emitNext(d);
      this.drainHeld();
      return;
    }
    this.held.set(d.ver, d);
    if (this.held.size > MAX_HELD) this.fillGap();
    else if (!this.timer && !this.fetching)
      this.timer = setTimeout(() => this.fillGap(), this.deps.reorderWaitMs);
  }

  /** The conversation has reached `latest` (a position check said so): fetch what did not arrive. */
  repairTo(latest: number): void {
    this.lastActive = Date.now();
    if (this.delivered === undefined) this.delivered = this.baseline(latest + 1);
    if (latest <= this.delivered) return;
    if (!this.timer) this.fillGap();
  }

  /** Where to start for a change `ver`: the lowest cursor of the sessions that will receive it. */
  private baseline(ver: number): number {
    const min = lowestCursor(this.deps, this.conv);
    return min === undefined ? ver - 1 : Math.min(min, ver - 1);
  }

  private emitNext(d: Delivery): void {
    this.delivered = d.ver;
    this.emit(d);
  }

  private drainHeld(): void {
    for (;;) {
      const next = this.held.get((this.delivered ?? 0) + 1);
      if (!next) break;
      this.held.delete(next.ver);
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
   * Fetches everything after what was emitted from history, once for the gateway, and
   * emits it in order: the current state of each message changed meanwhile, which holds
   * every change held here up to where history was.
   */
  private fillGap(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fetching) return;
    const from = this.delivered ?? 0;
    this.fetching = true;
    fetchChanges(this.deps, this.conv, from).then(
      (r) => this.filled(r.deliveries, r.reached),
      (err: unknown) => this.fillFailed(err),
    );
  }

  private filled(deliveries: Delivery[], reached: number): void {
    this.fetching = false;
    this.retries = 0;
    for (const d of deliveries) {
      if (d.ver <= (this.delivered ?? 0)) continue;
      // The live event of exactly that ver is that state too, and knows its origin.
      const held = this.held.get(d.ver);
      this.emitNext(held ?? d);
    }
    this.delivered = Math.max(this.delivered ?? 0, reached);
    for (const ver of this.held.keys()) if (ver <= this.delivered) this.held.delete(ver);
    this.drainHeld();
    // Held changes further on may have their own gap: fill it now, we already waited.
    if (this.held.size) this.timer = setTimeout(() => this.fillGap(), 0);
  }

  private fillFailed(err: unknown): void {
    this.fetching = false;
    this.deps.onError(err, this.conv);
    // Only a repair was waiting: the next position check tries again.
    if (this.held.size === 0) return;
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

  /** A stored message or a change arrived from the bus. */
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

  /** Delivers one in-order change to one session, through its cursor, if its user is in `conv`. */
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
    const last = c.ver ?? (d.conv.startsWith('dm:') ? 0 : d.ver - 1);
    if (d.ver <= last) return;
    if (d.ver > last + 1) {
      this.catchUp(s, c, d.conv, last, [d]);
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
    const last = c?.ver;
    if (!c || s.state !== 'live' || delivered === undefined || last === undefined || delivered <= last)
      return;
    if (c.waiting) return;
    this.catchUp(s, c, conv, last, []);
  }

  private advance(s: Session, c: Cursor, d: Delivery): void {
    if (!c.pass(d.ver, d.originSession, s.id)) s.sendRaw(d.frame);
  }

  /**
   * This session alone misses what came after `last`: fetch it as the session's user
   * (history refuses a user who is no longer in the conversation), then deliver what queued
   * meanwhile (what the fetch already covered is dropped by the cursor). Leaving the
   * conversation meanwhile drops the catch-up (`Session.forgetConv`): its answer is then
   * thrown away.
   */
  private catchUp(s: Session, c: Cursor, conv: string, last: number, queued: Delivery[]): void {
    c.waiting = queued;
    // Still this cursor, still waiting for this fetch: leaving drops the cursor (forgetConv).
    const current = () => s.cursorOf(conv) === c && c.waiting === queued;
    fetchChanges(this.deps, conv, last, s.user)
      .then(({ deliveries, reached }) => {
        if (!current()) return;
        c.waiting = undefined;
        if (!this.deps.mayReceive(s, conv) || s.state !== 'live') return;
        for (const d of deliveries) if (d.ver > (c.ver ?? last)) this.advance(s, c, d);
        c.reach(reached);
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
   * A position check found `conv` at ver `latest`: whatever this gateway has not delivered of it
   * up to there is fetched once for the gateway and goes out in order, as if it had arrived.
   * Sessions with no cursor for a room (nothing delivered here yet) start with the next one.
   */
  repair(conv: string, latest: number, opts: { whileIdle?: boolean } = {}): void {
    const stream = this.streams.get(conv);
    if (stream) {
      // While changes flow, history is always a little ahead of what has arrived (they are
      // in flight), and a lost one shows as a gap the next change reveals: a periodic check
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
