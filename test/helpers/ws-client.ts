import WebSocket from 'ws';

export interface Frame {
  re?: number | string;
  ev?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; retryAfter?: number };
  [k: string]: unknown;
}

/**
 * A raw protocol client for tests: it speaks frames exactly as written, so tests can
 * send anything (bad input included) and assert on every frame and close code.
 */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly events: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private nextId = 1;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      this.frames.push(f);
      if (f.ev) this.events.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w(this.closed);
    });
  }

  static connect(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = new RawClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  /** Connects and says hello (open mode user, or token); resolves with hello's result. */
  static async hello(
    url: string,
    auth: { user?: string; token?: string },
    extra: Record<string, unknown> = {},
  ) {
    const c = await RawClient.connect(url);
    const r = await c.request('hello', { ...auth, ...extra });
    if (r.error) throw new Error(`hello failed: ${r.error.code} ${r.error.message}`);
    await c.waitEvent((f) => f.ev === 'synced');
    return { client: c, hello: r.result as Record<string, unknown> };
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  request(op: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Frame> {
    const id = this.nextId++;
    const p = this.wait((f) => f.re === id, timeoutMs, `reply to ${op}#${id}`);
    this.ws.send(JSON.stringify({ id, op, ...params }));
    return p;
  }

  /** A request that must succeed; returns its result. */
  async ok(op: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await this.request(op, params);
    if (r.error) throw new Error(`${op} failed: ${r.error.code}: ${r.error.message}`);
    return r.result as Record<string, unknown>;
  }

  wait(pred: (f: Frame) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Resolves with the first event (already received or future) that matches. */
  waitEvent(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.events.find(pred);
    return seen ? Promise.resolve(seen) : this.wait((f) => !!f.ev && pred(f), timeoutMs, 'event');
  }

  messages(conv?: string): Frame[] {
    return this.events.filter((f) => f.ev === 'message' && (conv === undefined || f.conv === conv));
  }

  async waitMessages(conv: string, count: number, timeoutMs = 15_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages(conv).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`timed out: ${this.messages(conv).length} of ${count} messages in ${conv}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.messages(conv);
  }

  waitClose(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
      this.closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}
