import { NatterClient } from '../clients/natter.ts';
import { SocketIoClient } from '../clients/socketio.ts';
import { ConnectionFailed, RequestFailed } from '../clients/types.ts';
import { eachConcurrently } from './concurrently.ts';
import { encode, newHistogram } from './histogram.ts';
import type { StormConnectCommand, StormConnectResult } from './ipc.ts';

/** Attempts per connection (and per join) before it counts as failed, as an SDK's retries would. */
const MAX_ATTEMPTS = 8;
const MAX_DELAY_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What went wrong, as a short kind for the report: `upgrade_503`, `hello_unavailable`, `closed_4001`, ... */
export function failureKind(err: unknown, during: 'hello' | 'join'): string {
  if (err instanceof RequestFailed) return `${during}_${err.code}`;
  const msg = err instanceof Error ? err.message : String(err);
  const status = /Unexpected server response: (\d+)/.exec(msg);
  if (status) return `upgrade_${status[1]}`;
  const closed = /connection closed \((\d+)\)/.exec(msg);
  if (closed) return `closed_${closed[1]}`;
  // Natter's client, and the Socket.IO client's ack or `ready` wait.
  if (/no reply to|no ack to|not ready in/.test(msg)) return `${during}_timeout`;
  if (/ECONNREFUSED|ECONNRESET|EADDRNOTAVAIL|socket hang up|websocket error|timeout/.test(msg))
    return 'connect_error';
  return err instanceof ConnectionFailed ? 'connection_failed' : 'other';
}

/** The wait before retry `attempt`: at least the server's retryAfter, else exponential; jittered either way. */
function retryDelay(err: unknown, attempt: number): number {
  const asked = err instanceof RequestFailed ? err.retryAfter : undefined;
  const base = Math.min(MAX_DELAY_MS, asked ?? 250 * 2 ** attempt);
  return base + Math.random() * base;
}

/**
 * The `storm` scenario's connect, in a worker: every user connects and says hello (the
 * Socket.IO peer: connects and is `ready`), and the joiners join their room, with up to MAX_ATTEMPTS tries each, waiting as an SDK would
 * (the server's retryAfter, else exponential backoff, jittered). Counts each retried failure
 * by kind, and the failures that remained after the last try; hello latency runs from the
 * first try to `synced`, retries included.
 */
export async function stormConnect(
  c: StormConnectCommand,
  onConnected: (user: string, client: NatterClient | SocketIoClient) => void,
): Promise<StormConnectResult> {
  const helloHist = newHistogram();
  const joinHist = newHistogram();
  const retried: Record<string, number> = {};
  const failed: Record<string, number> = {};
  let connected = 0;
  let joined = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const note = (map: Record<string, number>, kind: string) => {
    map[kind] = (map[kind] ?? 0) + 1;
  };
  async function withRetries<T>(during: 'hello' | 'join', fn: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const kind = failureKind(err, during);
        firstError ??= `${kind}: ${err instanceof Error ? err.message : String(err)}`;
        if (attempt + 1 >= MAX_ATTEMPTS) {
          note(failed, kind);
          return undefined;
        }
        note(retried, kind);
        await sleep(retryDelay(err, attempt));
      }
    }
  }
  await eachConcurrently(c.users, c.concurrency, async (u, i) => {
    const t0 = performance.now();
    const o = {
      user: u.user,
      url: c.urls[u.node],
      localAddress: c.localAddresses[i % c.localAddresses.length],
      timeoutMs: c.timeoutMs,
    };
    const client = await withRetries<NatterClient | SocketIoClient>('hello', () =>
      c.kind === 'socketio' ? SocketIoClient.connect(o) : NatterClient.connect(o),
    );
    if (!client) return;
    helloHist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    connected++;
    onConnected(u.user, client);
    if (!u.join) return;
    const j0 = performance.now();
    const ok = await withRetries('join', () => client.join(u.join as string).then(() => true));
    if (ok) {
      joined++;
      joinHist.recordValue(Math.max(1, Math.round((performance.now() - j0) * 1000)));
    }
  });
  return {
    connected,
    joined,
    retried,
    failed,
    firstError,
    hist: encode(helloHist),
    joinHist: encode(joinHist),
    elapsedMs: performance.now() - started,
  };
}
