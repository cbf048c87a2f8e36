import {
  type MessageView,
  NatterClient,
  type SendResult,
  type Target,
  type WebSocketConstructor,
} from '@natter/client';
import WebSocket from 'ws';
import { token } from '../helpers/cluster.ts';

/** One send as the load saw it: when it was made and what came of it. */
export interface SendRecord {
  cid: string;
  to: Target;
  user: string;
  issuedAt: number;
  result?: SendResult;
  ackAt?: number;
  /** Set when the outbox gave up on it (a non-retryable error). */
  error?: string;
}

/** One change (an edit or a reaction) as the load saw it. */
export interface ChangeRecord {
  op: 'edit' | 'react';
  user: string;
  conv: string;
  seq: number;
  text?: string;
  emoji?: string;
  issuedAt: number;
  /** The `ver` the result named (the change's own, or the message's when it changed nothing). */
  ver?: number;
  ackAt?: number;
  error?: string;
}

/** A frame the server sent that broke per-connection order: `seq` after `after` in one conversation. */
export interface OrderViolation {
  conv: string;
  connection: number;
  after: number;
  seq: number;
}

/**
 * An SDK client under test, with a ledger: every send it made and its result, every
 * `message` the SDK handed to the app (after its dedupe), and a tap on the raw frames of
 * each connection, which catches out-of-order delivery the SDK's dedupe would hide (the
 * SDK drops a seq below one it already delivered, so a reordering would otherwise look
 * like a loss).
 */
export class LoadClient {
  readonly client: NatterClient;
  readonly sends: SendRecord[] = [];
  /** Every edit and reaction it made (through the SDK's outbox, like sends) and its result. */
  readonly changes: ChangeRecord[] = [];
  /** Messages the app got, per conversation, in the order it got them. */
  readonly received = new Map<string, MessageView[]>();
  /** When each message (by mid) first arrived here, ms since the epoch. */
  readonly arrivedAt = new Map<string, number>();
  readonly orderViolations: OrderViolation[] = [];
  readonly gaps: { conv: string; after: number; before: number }[] = [];
  /** Connections opened so far (each WebSocket the SDK made). */
  connections = 0;
  private readonly sendPromises = new Set<Promise<unknown>>();

  constructor(
    readonly user: string,
    urls: string[],
    opts: { requestTimeoutMs?: number } = {},
  ) {
    const tap = this.tapClass();
    this.client = new NatterClient({
      url: urls,
      WebSocket: tap,
      token: () => token(user),
      device: 'load',
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      requestTimeoutMs: opts.requestTimeoutMs ?? 5000,
    });
    this.client.on('message', (m) => {
      let list = this.received.get(m.conv);
      if (!list) {
        list = [];
        this.received.set(m.conv, list);
      }
      list.push(m);
      if (!this.arrivedAt.has(m.mid)) this.arrivedAt.set(m.mid, Date.now());
    });
    this.client.on('gap', (g) => this.gaps.push(g));
    // Errors are expected while parts are down (the SDK retries); the ledger tells the story.
    this.client.on('error', () => {});
  }

  /** A `ws` WebSocket that also reports every message frame of its connection to this client. */
  private tapClass(): WebSocketConstructor {
    const self = this;
    return class TapWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        const connection = ++self.connections;
        const last = new Map<string, number>();
        this.on('message', (data) => {
          const text = data.toString();
          if (!text.startsWith('{"ev":"message"')) return;
          const f = JSON.parse(text) as { conv: string; seq: number };
          const prev = last.get(f.conv);
          if (prev !== undefined && f.seq < prev) {
            self.orderViolations.push({ conv: f.conv, connection, after: prev, seq: f.seq });
          }
          last.set(f.conv, Math.max(prev ?? 0, f.seq));
        });
      }
    };
  }

  async connect(timeoutMs = 30_000): Promise<void> {
    await this.client.connect({ timeoutMs });
  }

  /** Queues a send in the SDK's outbox; the ledger records its result whenever it comes. */
  send(to: Target, text: string): SendRecord {
    const cid = `${this.user}-${this.sends.length + 1}`;
    const rec: SendRecord = { cid, to, user: this.user, issuedAt: Date.now() };
    this.sends.push(rec);
    this.track(rec, this.client.send(to, { text, cid }), (r) => {
      rec.result = r;
    });
    return rec;
  }

  /** Queues an edit of message `seq` of `conv` (the client's own) in the SDK's outbox. */
  edit(conv: string, seq: number, text: string): ChangeRecord {
    const rec: ChangeRecord = { op: 'edit', user: this.user, conv, seq, text, issuedAt: Date.now() };
    this.changes.push(rec);
    this.track(rec, this.client.edit(conv, seq, text), (r) => {
      rec.ver = r.ver;
    });
    return rec;
  }

  /** Queues a reaction to message `seq` of `conv` in the SDK's outbox. */
  react(conv: string, seq: number, emoji: string): ChangeRecord {
    const rec: ChangeRecord = { op: 'react', user: this.user, conv, seq, emoji, issuedAt: Date.now() };
    this.changes.push(rec);
    this.track(rec, this.client.react(conv, seq, emoji), (ver) => {
      rec.ver = ver;
    });
    return rec;
  }

  /** Records the outcome of one outbox job on its ledger entry, and counts it until it settles. */
  private track<T>(
    rec: { ackAt?: number; error?: string },
    result: Promise<T>,
    acked: (value: T) => void,
  ): void {
    const p = result.then(
      (value) => {
        acked(value);
        rec.ackAt = Date.now();
      },
      (err: unknown) => {
        rec.error =
          err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err);
      },
    );
    this.sendPromises.add(p);
    void p.finally(() => this.sendPromises.delete(p));
  }

  /** Resolves once every send and change made so far has a result or failed for good. */
  async settled(): Promise<void> {
    while (this.sendPromises.size > 0) await Promise.all([...this.sendPromises]);
  }

  /** The gateway of the current session. */
  get gateway(): string | undefined {
    return this.client.helloResult?.gateway;
  }

  messages(conv: string): MessageView[] {
    return this.received.get(conv) ?? [];
  }

  close(): void {
    this.client.close();
  }
}
