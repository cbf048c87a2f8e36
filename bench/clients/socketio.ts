import { io, type Socket } from 'socket.io-client';
import { wallMs } from '../lib/histogram.ts';
import {
  type ChatClient,
  ConnectionFailed,
  type ConnectOptions,
  type MessageRef,
  RequestFailed,
} from './types.ts';

type Ack = { result?: { count?: number }; error?: { code: string; message: string } };

/**
 * The Socket.IO peer (bench/peers/socketio) through socket.io-client, as its users would
 * connect from Node: WebSocket transport only, one Manager per client (`forceNew`, else
 * socket.io-client multiplexes every client onto one connection), no reconnection.
 */
export class SocketIoClient implements ChatClient {
  onMessage: ChatClient['onMessage'];
  onReaction: ((ref: MessageRef, user: string) => void) | undefined;
  private nextCid = 1;

  private constructor(
    readonly user: string,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    // socket.io-client hands the event over parsed: the stamp is taken right after.
    socket.on('message', (m: { text?: string; conv: string; id: string; ts?: string }) =>
      this.onMessage?.(
        m.text ?? '',
        { conv: m.conv, seq: Number(m.id) },
        wallMs(),
        m.ts ? Date.parse(m.ts) : undefined,
      ),
    );
    socket.on('reaction', (r: { conv: string; id: number; user: string }) =>
      this.onReaction?.({ conv: r.conv, seq: r.id }, r.user),
    );
  }

  static async connect(o: ConnectOptions): Promise<SocketIoClient> {
    // engine.io-client passes `localAddress` through to `ws` in Node; its types omit it.
    const nodeOnly: Record<string, unknown> = o.localAddress ? { localAddress: o.localAddress } : {};
    const socket = io(o.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { user: o.user },
      timeout: o.timeoutMs,
      ...nodeOnly,
    });
    // The server joins the user's rooms (a query) before it says `ready`.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new ConnectionFailed(`${o.user}: not ready in ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      socket.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (err) => {
        clearTimeout(timer);
        socket.close();
        reject(new ConnectionFailed(`${o.user}: ${err.message}`, { cause: err }));
      });
    });
    return new SocketIoClient(o.user, socket, o.timeoutMs);
  }

  private async call(event: string, payload: Record<string, unknown>): Promise<Ack> {
    let ack: Ack;
    try {
      ack = (await this.socket.timeout(this.timeoutMs).emitWithAck(event, payload)) as Ack;
    } catch (err) {
      throw new ConnectionFailed(`${this.user}: no ack to ${event} in ${this.timeoutMs} ms`, { cause: err });
    }
    if (ack.error) throw new RequestFailed(`${ack.error.code}: ${ack.error.message}`);
    return ack;
  }

  async send(to: string, text: string): Promise<void> {
    await this.call('send', { to, text, cid: `c${this.nextCid++}` });
  }

  async join(room: string): Promise<void> {
    await this.call('join', { room });
  }

  async react(ref: MessageRef, emoji: string): Promise<void> {
    await this.call('reaction', { conv: ref.conv, id: ref.seq, emoji });
  }

  async history(conv: string, before: number | undefined, limit: number): Promise<number> {
    const ack = await this.call('history', { conv, before, limit });
    return ack.result?.count ?? 0;
  }

  close(): void {
    this.socket.close();
  }
}
