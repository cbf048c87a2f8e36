import type { Target } from '@natter/client';
import type { AckedChange } from './change-checker.ts';
import type { Acked, HistoryMessage, Receiver } from './checker.ts';
import { ackedOf, readHistory, receiverOf, waitDelivered } from './collect.ts';
import { LoadClient, type SendRecord } from './load-client.ts';

export interface LoadOptions {
  clients: number;
  /** Gateway WebSocket URLs; client i starts on gateway i % n and rotates from there. */
  urls: string[];
  /** Mean ms between two sends of one client (jittered ±25%). */
  intervalMs: number;
}

/**
 * The load of the fault suite: `clients` SDK users, each in one of two rooms and in a DM
 * ring (u_i writes to u_{i+1}), at a modest steady rate: a room message, a DM, an edit of
 * its own latest room message, a reaction to someone else's (all through the SDK's outbox).
 * It knows each client's conversations, so it can read their history and hand the
 * checker what everyone should have got.
 */
export class Load {
  readonly clients: LoadClient[] = [];
  private sending = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: LoadOptions) {
    const n = opts.urls.length;
    for (let i = 0; i < opts.clients; i++) {
      const urls = Array.from({ length: n }, (_, k) => opts.urls[(i + k) % n]);
      this.clients.push(new LoadClient(user(i), urls));
    }
  }

  roomOf(i: number): string {
    return i % 2 === 0 ? 'fa' : 'fb';
  }

  /** The conversations client `i` is in. */
  convsOf(i: number): string[] {
    const n = this.clients.length;
    return [`room:${this.roomOf(i)}`, dm(user(i), user((i + 1) % n)), dm(user((i + n - 1) % n), user(i))];
  }

  allConvs(): string[] {
    return [...new Set(this.clients.flatMap((_, i) => this.convsOf(i)))];
  }

  /** A member to read a conversation's history as. */
  memberOf(conv: string): string {
    if (conv.startsWith('dm:')) return conv.split(':')[1];
    return conv === 'room:fa' ? user(0) : user(1);
  }

  async connect(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.connect()));
    for (const [i, c] of this.clients.entries()) await c.client.join(this.roomOf(i));
  }

  start(): void {
    this.sending = true;
    this.loops = this.clients.map((c, i) => this.loop(c, i));
  }

  /** Stops making new sends; what is queued keeps going. */
  async stop(): Promise<void> {
    this.sending = false;
    await Promise.all(this.loops);
  }

  private async loop(c: LoadClient, i: number): Promise<void> {
    const next: Target = `user:${user((i + 1) % this.clients.length)}`;
    const room: Target = `room:${this.roomOf(i)}`;
    // Spread the clients' first sends over one interval.
    await sleep(Math.random() * this.opts.intervalMs);
    let k = 0;
    while (this.sending) {
      // Two sends (room, DM), then an edit of one's own and a reaction to someone else's.
      const step = k++ % 4;
      if (step === 0 || step === 1) c.send(step === 0 ? room : next, `msg ${k} of ${c.user}`);
      else if (step === 2) this.editOwn(c, room);
      else this.reactToOther(c, room, i);
      await sleep(this.opts.intervalMs * (0.75 + Math.random() * 0.5));
    }
  }

  /** Edits the client's latest acknowledged message in `room` (edit n of it). */
  private editOwn(c: LoadClient, room: Target): void {
    const mine = c.sends.filter((s) => s.to === room && s.result).at(-1)?.result;
    if (!mine) return;
    const n = c.changes.filter((x) => x.op === 'edit' && x.seq === mine.seq).length + 1;
    c.edit(mine.conv, mine.seq, `edit ${n} of ${c.user}'s [${mine.seq}]`);
  }

  /** Reacts with the client's own emoji to a message of someone else in `room` it has not reacted to. */
  private reactToOther(c: LoadClient, room: Target, i: number): void {
    const done = new Set(c.changes.filter((x) => x.op === 'react').map((x) => x.seq));
    const others = c.messages(room).filter((m) => m.from !== c.user && !done.has(m.seq));
    const m = others[Math.floor(Math.random() * others.length)];
    if (m) c.react(m.conv, m.seq, EMOJI[i % EMOJI.length] as string);
  }

  /** The changes that got a result, as the change checker wants them. */
  ackedChanges(from = 0): AckedChange[] {
    return this.clients
      .flatMap((c) => c.changes)
      .filter((x) => x.issuedAt >= from && x.ver !== undefined)
      .map((x) =>
        x.op === 'edit'
          ? {
              op: 'edit',
              user: x.user,
              conv: x.conv,
              seq: x.seq,
              text: x.text ?? '',
              ver: x.ver!,
              issuedAt: x.issuedAt,
            }
          : {
              op: 'react',
              user: x.user,
              conv: x.conv,
              seq: x.seq,
              emoji: x.emoji ?? '',
              ver: x.ver!,
              issuedAt: x.issuedAt,
            },
      );
  }

  /** Messages with a change that failed for good or has no result: their ver may be ahead of the ledger. */
  unsettledChanges(): Set<string> {
    const all = this.clients.flatMap((c) => c.changes);
    return new Set(all.filter((x) => x.ver === undefined).map((x) => `${x.conv}#${x.seq}`));
  }

  /** Resolves once every send made so far has a result or failed for good (or `ms` passed: false). */
  async settled(ms: number): Promise<boolean> {
    const done = Promise.all(this.clients.map((c) => c.settled())).then(() => true);
    return Promise.race([done, sleep(ms).then(() => false)]);
  }

  sends(): SendRecord[] {
    return this.clients.flatMap((c) => c.sends);
  }

  acked(from = 0): Acked[] {
    return ackedOf(this.sends().filter((s) => s.issuedAt >= from));
  }

  /** Every conversation's history, through the first gateway of `https` that answers. */
  async history(https: string[]): Promise<Map<string, HistoryMessage[]>> {
    const out = new Map<string, HistoryMessage[]>();
    for (const conv of this.allConvs()) out.set(conv, await readHistory(https, conv, this.memberOf(conv)));
    return out;
  }

  /** Waits until every client has every message of its conversations (false at the deadline). */
  delivered(history: Map<string, HistoryMessage[]>, ms: number): Promise<boolean> {
    return waitDelivered(
      this.clients.map((client, i) => ({ client, convs: this.convsOf(i) })),
      history,
      ms,
    );
  }

  receivers(): Receiver[] {
    return this.clients.map((c, i) => receiverOf(c, this.convsOf(i)));
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Each client reacts with one emoji, so a message gets at most these few, each from several users. */
const EMOJI = ['👍', '🎉', '❤️', '🚀', '👀'];

function user(i: number): string {
  return `u${String(i).padStart(2, '0')}`;
}

function dm(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
