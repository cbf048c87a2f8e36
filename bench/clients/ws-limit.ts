import WebSocket from 'ws';
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
  error?: string;
  text?: string;
  conv?: string;
  seq?: number;
  user?: string;
  on?: boolean;
}

/**
 * The raw `ws` relay (bench/peers/ws-limit): user and rooms in the URL, `send` and `react`
 * relayed to the target's sockets and answered at once. Nothing is stored, so it has no history.
 */
export class WsLimitClient implements ChatClient {
  onMessage: ChatClient['onMessage'];
  onReaction: ((ref: MessageRef, user: string) => void) | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(): void; reject(err: Error): void; timer: NodeJS.Timeout }
  >();

  private constructor(
    readonly user: string,
    private readonly ws: WebSocket,
    private readonly timeoutMs: number,
  ) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      if (f.re !== undefined) {
        const p = this.pending.get(f.re);
        if (!p) return;
        this.pending.delete(f.re);
        clearTimeout(p.timer);
        if (f.error) p.reject(new RequestFailed(f.error));
        else p.resolve();
      } else if (f.ev === 'message') {
        // A DM carries no seq (the relay numbers room messages only).
        this.onMessage?.(f.text ?? '', { conv: f.conv ?? '', seq: f.seq ?? 0 });
      } else if (f.ev === 'reaction') {
        if (f.on) this.onReaction?.({ conv: f.conv ?? '', seq: f.seq ?? 0 }, f.user ?? '');
      }
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new ConnectionFailed(`${user}: connection closed`));
      }
      this.pending.clear();
    });
    ws.on('error', () => undefined);
  }

  static async connect(o: ConnectOptions): Promise<WsLimitClient> {
    const url = new URL(o.url);
    url.searchParams.set('user', o.user);
    if (o.rooms?.length) url.searchParams.set('rooms', o.rooms.join(','));
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: o.localAddress });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', (err) => reject(new ConnectionFailed(`${o.user}: ${err.message}`, { cause: err })));
    });
    return new WsLimitClient(o.user, ws, o.timeoutMs);
  }

  private request(params: Record<string, unknown>): Promise<void> {
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

  send(to: string, text: string): Promise<void> {
    return this.request({ op: 'send', to, text });
  }

  react(ref: MessageRef, emoji: string): Promise<void> {
    return this.request({ op: 'react', conv: ref.conv, seq: ref.seq, emoji });
  }

  history(): Promise<number> {
    return Promise.reject(new RequestFailed('the raw ws relay stores nothing'));
  }

  close(): void {
    this.ws.close();
  }
}
