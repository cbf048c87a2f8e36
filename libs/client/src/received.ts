import { RECEIVED_INTERVAL_MS } from '@natter/protocol';

interface ConvState {
  /** The highest seq told to the server. */
  sent: number;
  /** When it was told (ms); the next one waits until `at + intervalMs`. */
  at: number;
  /** A higher seq delivered since, waiting for its turn. */
  pending?: number;
  timer?: ReturnType<typeof setTimeout>;
}

export interface ReceivedSenderOptions {
  /** Sends `received` on the live session; false when there is none (kept for `resume`). */
  send(conv: string, seq: number): boolean;
  intervalMs?: number;
  now?: () => number;
}

/**
 * The SDK's delivery receipts (protocol 1.1 "Receipts"): for each conversation, the highest
 * seq the app was delivered goes to the server as `received`, at once when the conversation
 * has had none for `intervalMs`, else when the interval is up, and only the highest: a burst
 * of 300 messages makes at most one frame per conversation per second. What could not go
 * out while disconnected goes when the next session opens.
 */
export class ReceivedSender {
  private readonly convs = new Map<string, ConvState>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ReceivedSenderOptions) {
    this.intervalMs = opts.intervalMs ?? RECEIVED_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The app was delivered message `seq` of `conv`. */
  delivered(conv: string, seq: number): void {
    let st = this.convs.get(conv);
    if (!st) {
      st = { sent: 0, at: Number.NEGATIVE_INFINITY };
      this.convs.set(conv, st);
    }
    if (seq <= Math.max(st.sent, st.pending ?? 0)) return;
    st.pending = seq;
    this.schedule(conv, st);
  }

  /** A session opened: send what waited for one. */
  resume(): void {
    for (const [conv, st] of this.convs) if (st.pending !== undefined) this.schedule(conv, st);
  }

  /** The client closed: forget everything (a new connect() starts over). */
  stop(): void {
    for (const st of this.convs.values()) clearTimeout(st.timer);
    this.convs.clear();
  }

  private schedule(conv: string, st: ConvState): void {
    if (st.timer !== undefined) return;
    const wait = st.at + this.intervalMs - this.now();
    if (wait <= 0) this.fire(conv, st);
    else st.timer = setTimeout(() => this.fire(conv, st), wait);
  }

  private fire(conv: string, st: ConvState): void {
    st.timer = undefined;
    const seq = st.pending;
    if (seq === undefined || !this.opts.send(conv, seq)) return;
    st.sent = seq;
    st.at = this.now();
    st.pending = undefined;
  }
}
