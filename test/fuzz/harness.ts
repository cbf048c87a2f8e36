import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { launch, type SingleNode } from '@natter/natter';
import { ERROR_CODES } from '@natter/protocol';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import WebSocket from 'ws';
import { type Expectation, expectationOf, type FuzzFrame, ID_PLACEHOLDER } from './frames.ts';

/**
 * A live single-node Natter (the whole system in this process, on a real Postgres) and a
 * pool of fuzzing connections that throw frames at it and check every answer.
 */

export const MAX_FRAME_BYTES = 65_536;

export interface FuzzTarget {
  url: string;
  node: SingleNode;
  stop(): Promise<void>;
}

/** Single-node launch on a testkit Postgres, with rate limits out of the fuzzer's way. */
export async function startTarget(opts: { logLevel?: string } = {}): Promise<FuzzTarget> {
  const pg: PostgresHandle = await startPostgres();
  const databaseUrl = await pg.createDatabase();
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: opts.logLevel ?? 'silent',
    NATTER_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
    NATTER_RATE_REQUESTS_PER_SEC: '1000000',
    NATTER_RATE_REQUESTS_BURST: '1000000',
    NATTER_RATE_SENDS_PER_SEC: '1000000',
    NATTER_RATE_SENDS_BURST: '1000000',
    NATTER_RATE_TYPING_PER_SEC: '1000000',
    NATTER_RATE_TYPING_BURST: '1000000',
    NATTER_USER_SENDS_PER_MIN: '100000000',
    NATTER_MAX_CONNECTIONS_PER_IP: '10000',
    NATTER_MAX_SESSIONS_PER_USER: '10000',
  });
  const log = createLogger({ name: 'natter-fuzz', level: config.logLevel });
  const node = await launch(config, log);
  return {
    url: `ws://127.0.0.1:${node.gateway.port}/ws`,
    node,
    async stop() {
      await node.stop();
      await pg.stop();
    },
  };
}

/** Counts of what came back: `result`, each error code, each close code, events. */
export type Stats = Map<string, number>;

function bump(stats: Stats, key: string): void {
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

const CODES = new Set<string>(ERROR_CODES);

/** Checks an error body; returns what is wrong with it, or undefined. */
function badError(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'error is not an object';
  const { code, message, retryAfter } = e as Record<string, unknown>;
  if (typeof code !== 'string' || !CODES.has(code)) return `unknown error code ${JSON.stringify(code)}`;
  if (typeof message !== 'string' || message.length === 0) return 'error without message';
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && (retryAfter as number) >= 0))
    return `bad retryAfter ${String(retryAfter)}`;
  if (code === 'rate_limited' && retryAfter === undefined) return 'rate_limited without retryAfter';
  if (code === 'internal' && /at .+:\d+:\d+|Error:/.test(message))
    return `internal error leaks a stack: ${message}`;
  return undefined;
}

/** One fuzzing connection: sends frames, keeps the replies it is owed, checks every frame it gets. */
class FuzzConn {
  ws!: WebSocket;
  private readonly owed = new Map<string, number>();
  private owedCount = 0;
  private waiters: (() => void)[] = [];
  private closeWaiter: ((code: number) => void) | undefined;
  private authenticated = false;
  closed: number | undefined;

  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly stats: Stats,
    private readonly failures: string[],
    private nextId: () => number,
  ) {}

  async open(): Promise<void> {
    this.closed = undefined;
    this.authenticated = false;
    this.ws = new WebSocket(this.url);
    this.ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    this.ws.on('close', (code) => this.onClose(code));
    this.ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    const id = this.nextId();
    this.expect(id);
    this.ws.send(JSON.stringify({ id, op: 'hello', user: this.user }));
    await this.settle(10_000);
    this.authenticated = true;
  }

  private expect(id: number | string): void {
    const key = JSON.stringify(id);
    this.owed.set(key, (this.owed.get(key) ?? 0) + 1);
    this.owedCount++;
  }

  private onMessage(text: string, isBinary: boolean): void {
    if (isBinary) return void this.failures.push('server sent a binary frame');
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(text);
    } catch {
      return void this.failures.push(`server sent non-JSON: ${text.slice(0, 200)}`);
    }
    if (typeof f !== 'object' || f === null || Array.isArray(f))
      return void this.failures.push(`server sent a non-object: ${text.slice(0, 200)}`);
    if ('re' in f) {
      const key = JSON.stringify(f.re);
      const n = this.owed.get(key) ?? 0;
      if (n === 0)
        this.failures.push(
          `reply to a request that was not made or was answered already: ${text.slice(0, 200)}`,
        );
      else {
        if (n === 1) this.owed.delete(key);
        else this.owed.set(key, n - 1);
        this.owedCount--;
      }
      const hasResult = 'result' in f;
      const hasError = 'error' in f;
      if (hasResult === hasError)
        this.failures.push(`reply needs exactly one of result and error: ${text.slice(0, 200)}`);
      if (hasResult && (typeof f.result !== 'object' || f.result === null))
        this.failures.push(`result is not an object: ${text.slice(0, 200)}`);
      if (hasError) {
        const bad = badError(f.error);
        if (bad) this.failures.push(`${bad}: ${text.slice(0, 300)}`);
        bump(this.stats, `error:${(f.error as { code: string }).code}`);
      } else bump(this.stats, 'result');
      if (this.owedCount === 0) for (const w of this.waiters.splice(0)) w();
      else if (this.waiters.length) this.waiters.shift()!();
      return;
    }
    if (typeof f.ev !== 'string')
      return void this.failures.push(`frame is neither reply nor event: ${text.slice(0, 200)}`);
    if (f.ev === 'error') {
      const bad = badError(f.error);
      if (bad || typeof f.op !== 'string')
        this.failures.push(`bad error event (${bad ?? 'no op'}): ${text.slice(0, 300)}`);
      bump(this.stats, `event-error:${(f.error as { code?: string })?.code}`);
    }
  }

  private onClose(code: number): void {
    this.closed = code;
    if (this.closeWaiter) this.closeWaiter(code);
    else {
      // Not announced by a frame we sent: only the hello timeout of a connection that never said hello is fine.
      this.failures.push(`unexpected close ${code} (authenticated: ${this.authenticated})`);
      bump(this.stats, `unexpected-close:${code}`);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until every owed reply came (or the connection closed); a timeout is a failure. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.owedCount > 0 && this.closed === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.failures.push(
          `no reply within ${timeoutMs} ms to ids ${[...this.owed.keys()].slice(0, 10).join(', ')}`,
        );
        this.owed.clear();
        this.owedCount = 0;
        return;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends one frame; a frame that must close the connection is awaited, checked, and the connection reopened. */
  async send(frame: FuzzFrame, window: number): Promise<void> {
    if (this.closed !== undefined) await this.open();
    let text: string | undefined;
    if (frame.kind === 'text') {
      const id = this.nextId();
      // What goes on the wire is UTF-8: a raw lone surrogate in the string becomes U+FFFD,
      // so judge the frame by the text the server will decode.
      text = Buffer.from(frame.text.replace(ID_PLACEHOLDER, id % 2 ? String(id) : `"s${id}"`)).toString(
        'utf8',
      );
    }
    const exp: Expectation = expectationOf(frame, text, MAX_FRAME_BYTES);
    bump(this.stats, 'frames');
    if ('close' in exp) {
      // Let the replies already owed arrive before the connection goes.
      await this.settle(10_000);
      const closed = new Promise<number>((resolve) => {
        this.closeWaiter = resolve;
      });
      if (frame.kind === 'text') this.ws.send(text!);
      else this.ws.send(frame.bytes, { binary: frame.kind === 'binary' });
      const timer = new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000));
      const code = await Promise.race([closed, timer]);
      this.closeWaiter = undefined;
      bump(this.stats, `close:${code}`);
      if (!exp.close.includes(code)) {
        this.failures.push(
          `${frame.label}: expected close ${exp.close.join('/')}, got ${code}: ${(text ?? '').slice(0, 200)}`,
        );
        if (code === -1) this.ws.terminate();
      }
      await this.open();
      return;
    }
    if ('reply' in exp) this.expect(exp.reply);
    this.ws.send(text!);
    if (this.owedCount >= window) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 10_000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.closeWaiter = () => undefined;
    this.ws?.close();
  }
}

/** Connections that share the frames of each run round-robin, reconnecting as frames close them. */
export class FuzzPool {
  readonly stats: Stats = new Map();
  failures: string[] = [];
  private readonly conns: FuzzConn[] = [];
  private id = 0;

  constructor(
    private readonly url: string,
    private readonly size = 4,
    private readonly window = 16,
  ) {}

  async open(): Promise<void> {
    for (let i = 0; i < this.size; i++) {
      const c = new FuzzConn(this.url, `fz${i + 1}`, this.stats, this.failures, () => ++this.id);
      await c.open();
      this.conns.push(c);
    }
  }

  /** Sends the frames and waits for every reply; returns the failures this run found. */
  async run(frames: FuzzFrame[]): Promise<string[]> {
    this.failures.length = 0;
    await Promise.all(
      this.conns.map(async (c, i) => {
        for (let j = i; j < frames.length; j += this.conns.length) await c.send(frames[j], this.window);
        await c.settle(15_000);
      }),
    );
    return [...this.failures];
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}

/** Prints the counts: frames, results, and each error and close code. */
export function formatStats(stats: Stats): string {
  return [...stats.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k.padEnd(32)} ${String(v).padStart(8)}`)
    .join('\n');
}

/** A short description of failing frames, for a failure report a person can read. */
export function describeFrames(frames: FuzzFrame[]): string {
  return frames
    .map((f) => {
      const body = f.kind === 'text' ? JSON.stringify(f.text) : `[${[...f.bytes].join(',')}]`;
      return `  ${f.label.padEnd(28)} ${body.length > 300 ? `${body.slice(0, 300)}... (${body.length} chars)` : body}`;
    })
    .join('\n');
}
