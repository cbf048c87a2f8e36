import type { Target } from '@natter/client';
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
 * ring (u_i writes to u_{i+1}), sending at a modest steady rate, alternating room and DM.
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
      c.send(k++ % 2 === 0 ? room : next, `msg ${k} of ${c.user}`);
      await sleep(this.opts.intervalMs * (0.75 + Math.random() * 0.5));
    }
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

function user(i: number): string {
  return `u${String(i).padStart(2, '0')}`;
}

function dm(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
