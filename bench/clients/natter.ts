import WebSocket from 'ws';
import { wallMs } from '../lib/histogram.ts';
import {
  type ChatClient,
  ConnectionFailed,
  type ConnectOptions,
  type MessageRef,
  RequestFailed,
} from './types.ts';

interface Frame {
  re?: number;
  ev?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; retryAfter?: number };
  text?: string;
  /** A message's store time (ISO), set by history. */
  ts?: string;
  messages?: unknown[];
  conv?: string;
  seq?: number;
  user?: string;
  on?: boolean;
}

interface Pending {
  resolve(f: Frame): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Natter's protocol over a raw `ws` socket: lighter than the SDK (no outbox, no reconnect),
 * which keeps the generator's own cost per frame small. Open mode: `hello` with `user`.
 */
export class NatterClient implements ChatClient {
  onMessage: ChatClient['onMessage'];
  onReaction: ((ref: MessageRef, user: string) => void) | undefined;
  private nextId = 1;
  private nextCid = 1;
  private readonly pending = new Map<number, Pending>();
  private synced: (() => void) | undefined;

  private constructor(
    readonly user: string,
    private readonly ws: WebSocket,
    private readonly timeoutMs: number,
  ) {
    // Stamped before parsing: a busy client process then shows as late parsing, not late arrival.
    ws.on('message', (data) => {
      const at = wallMs();
      this.onFrame(JSON.parse(data.toString()) as Frame, at);
    });
    ws.on('close', (code) => this.failAll(new ConnectionFailed(`${user}: connection closed (${code})`)));
    ws.on('error', () => undefined);
  }

  static async connect(o: ConnectOptions): Promise<NatterClient> {
    const ws = new WebSocket(o.url, { perMessageDeflate: false, localAddress: o.localAddress });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', (err) => reject(new ConnectionFailed(`${o.user}: ${err.message}`, { cause: err })));
    });
    const c = new NatterClient(o.user, ws, o.timeoutMs);
    const synced = new Promise<void>((resolve) => {
      c.synced = resolve;
    });
    try {
      await c.request({ op: 'hello', user: o.user, device: 'bench' });
      await synced;
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  }

  private onFrame(f: Frame, at: number): void {
    if (f.re !== undefined) {
      const p = this.pending.get(f.re);
      if (!p) return;
      this.pending.delete(f.re);
      clearTimeout(p.timer);
      if (f.error)
        p.reject(new RequestFailed(`${f.error.code}: ${f.error.message}`, f.error.code, f.error.retryAfter));
      else p.resolve(f);
    } else if (f.ev === 'message') {
      this.onMessage?.(
        f.text ?? '',
        { conv: f.conv ?? '', seq: f.seq ?? 0 },
        at,
        f.ts ? Date.parse(f.ts) : undefined,
      );
    } else if (f.ev === 'reaction') {
      if (f.on) this.onReaction?.({ conv: f.conv ?? '', seq: f.seq ?? 0 }, f.user ?? '');
    } else if (f.ev === 'synced') {
      this.synced?.();
      this.synced = undefined;
    }
  }

  private request(params: Record<string, unknown>): Promise<Frame> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ConnectionFailed(`${this.user}: no reply to ${String(params.op)} in ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, ...params }));
    });
  }

  async send(to: string, text: string): Promise<void> {
    await this.request({ op: 'send', to, cid: `c${this.nextCid++}`, text });
  }

  async react(ref: MessageRef, emoji: string): Promise<void> {
    await this.request({ op: 'react', conv: ref.conv, seq: ref.seq, emoji });
  }

  async join(room: string): Promise<void> {
    await this.request({ op: 'join', room });
  }

  async history(conv: string, before: number | undefined, limit: number): Promise<number> {
    const f = await this.request({ op: 'history', conv, before, limit });
    return (f.result?.messages as unknown[] | undefined)?.length ?? 0;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  close(): void {
    this.ws.close();
  }
}
