import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A request frame as the fake server received it. */
export interface Received {
  id?: number | string;
  op: string;
  [field: string]: unknown;
}

/** What the fake does with one request: reply, say nothing, or drop the connection. */
export type Behaviour =
  | { kind: 'reply' }
  | { kind: 'result'; result: object }
  | { kind: 'error'; code: string; message?: string; retryAfter?: number }
  | { kind: 'silent' }
  | { kind: 'drop'; code?: number };

/**
 * A test double of the Natter *server* (PROTOCOL.md), for unit tests of the client: it
 * answers hello, send (idempotent on cid, per-conversation seqs), ping and the other ops
 * with `{}`, records every request, and lets a test push events, change how the next
 * requests of an op are answered, and close sockets.
 */
export class FakeServer {
  readonly received: Received[] = [];
  readonly sockets: WebSocket[] = [];
  /** Result of each send by cid, so a retry gets the first result (PROTOCOL.md `cid`). */
  private readonly sent = new Map<string, { conv: string; seq: number; mid: string; ts: string }>();
  private readonly seqs = new Map<string, number>();
  private readonly plans = new Map<string, Behaviour[]>();
  private readonly always = new Map<string, Behaviour>();
  private waiters: Array<() => void> = [];
  heartbeat = 25;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data) => this.onFrame(ws, JSON.parse(String(data)) as Received));
      this.notify();
    });
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  /** Requests of one op, in arrival order. */
  requests(op: string): Received[] {
    return this.received.filter((r) => r.op === op);
  }

  /** The next requests of `op` get these behaviours, one each, then normal replies. */
  plan(op: string, ...behaviours: Behaviour[]): void {
    this.plans.set(op, [...(this.plans.get(op) ?? []), ...behaviours]);
  }

  /** Every request of `op` gets this behaviour until `setAlways(op, undefined)`. */
  setAlways(op: string, behaviour: Behaviour | undefined): void {
    if (behaviour) this.always.set(op, behaviour);
    else this.always.delete(op);
  }

  /** Sets the last seq the fake assigned in `conv`: the next send there gets `seq + 1`. */
  seqFor(conv: string, seq: number): void {
    this.seqs.set(conv, seq);
  }

  /** Sends an event to every open socket (or just the latest). */
  push(event: Record<string, unknown>, onlyLatest = true): void {
    const targets = onlyLatest ? this.sockets.slice(-1) : this.sockets;
    for (const ws of targets) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
  }

  /** Closes the latest socket from the server side. */
  dropLatest(code = 1001, reason = 'test'): void {
    this.sockets.at(-1)?.close(code, reason);
  }

  /** Resolves when `predicate` holds, checked after every received frame and connection. */
  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake server: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private onFrame(ws: WebSocket, req: Received): void {
    this.received.push(req);
    const planned = this.plans.get(req.op)?.shift();
    const behaviour = planned ?? this.always.get(req.op) ?? { kind: 'reply' };
    const reply = (body: object) => {
      if (req.id !== undefined) ws.send(JSON.stringify({ re: req.id, ...body }));
    };
    switch (behaviour.kind) {
      case 'silent':
        break;
      case 'drop':
        ws.close(behaviour.code ?? 1011, 'dropped by test');
        break;
      case 'error': {
        const { code, message = 'test error', retryAfter } = behaviour;
        reply({ error: retryAfter === undefined ? { code, message } : { code, message, retryAfter } });
        break;
      }
      case 'reply':
        reply({ result: this.result(req) });
        break;
      case 'result':
        reply({ result: behaviour.result });
        break;
    }
    this.notify();
  }

  private result(req: Received): object {
    switch (req.op) {
      case 'hello': {
        const user = typeof req.user === 'string' ? req.user : 'alice';
        // PROTOCOL.md: with a token, the result's token is that token; open mode issues one.
        const token = typeof req.token === 'string' ? req.token : 'tok';
        return {
          user,
          session: `s_${this.sockets.length}`,
          gateway: 'gw-test',
          heartbeat: this.heartbeat,
          token,
          convs: [],
        };
      }
      case 'send': {
        const cid = String(req.cid);
        const first = this.sent.get(cid);
        if (first) return first;
        const to = String(req.to);
        const conv = to.startsWith('user:') ? `dm:alice:${to.slice(5)}` : to;
        const seq = (this.seqs.get(conv) ?? 0) + 1;
        this.seqs.set(conv, seq);
        const result = { conv, seq, mid: `m_${conv}_${seq}`, ts: new Date().toISOString() };
        this.sent.set(cid, result);
        return result;
      }
      case 'join':
        return { room: req.room, seq: 0 };
      case 'rooms':
        return { rooms: [] };
      case 'receipts':
        return { read: ['bob'], received: ['bob', 'carol'] };
      case 'watch':
        return { presence: (req.users as string[]).map((user) => ({ user, online: true })) };
      default:
        return {};
    }
  }
}

/** A message event as the server pushes it. */
export function messageEvent(conv: string, seq: number, text = `m${seq}`): Record<string, unknown> {
  return {
    ev: 'message',
    conv,
    seq,
    mid: `m_${conv}_${seq}`,
    from: 'bob',
    ts: new Date().toISOString(),
    text,
  };
}

/** An unsigned JWT-shaped token: the client only reads its `exp` and `iat`. */
export function fakeJwt(payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJl`;
}
