/**
 * A load-generator worker process, forked by the coordinator (lib/pool.ts). It holds client
 * connections between commands (connect, then dm / fanout / history on them, then close)
 * and answers each command with counters and HDR histograms for the coordinator to merge.
 */
import { type ChatClient, closeNats, connectClient } from './clients/index.ts';
import { eachConcurrently } from './lib/concurrently.ts';
import { encode, newHistogram, recordSince, wallMs } from './lib/histogram.ts';
import type {
  Command,
  ConnectResult,
  DmResult,
  FanoutSendResult,
  HistoryResult,
  Progress,
  RecvStats,
  Reply,
  Request,
} from './lib/ipc.ts';
import { LoopDelay } from './lib/loop-delay.ts';
import { reactArm, reactJoin, reactStats } from './lib/reactions-worker.ts';
import { stormConnect } from './lib/storm-connect.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const clients = new Map<string, ChatClient>();
const counters = { sent: 0, received: 0, connected: 0 };
let lastProgress = '';

function client(user: string): ChatClient {
  const c = clients.get(user);
  if (!c) throw new Error(`worker ${process.pid} has no connection for ${user}`);
  return c;
}

const errorText = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(c: Extract<Command, { cmd: 'connect' }>): Promise<ConnectResult> {
  const hist = newHistogram();
  const started = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  await eachConcurrently(c.users, c.concurrency, async (u, i) => {
    const t0 = performance.now();
    try {
      const cl = await connectClient(c.target.kind, {
        user: u.user,
        url: c.target.urls[u.node],
        rooms: u.rooms,
        localAddress: c.localAddresses?.length ? c.localAddresses[i % c.localAddresses.length] : undefined,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      clients.set(u.user, cl);
      counters.connected++;
    } catch (err) {
      failed++;
      firstError ??= errorText(err);
    }
  });
  return {
    connected: c.users.length - failed,
    failed,
    firstError,
    hist: encode(hist),
    elapsedMs: performance.now() - started,
  };
}

/** Sends and their acknowledgements: counts, and latency from each send's time to its ack. */
class SendTally {
  sent = 0;
  acked = 0;
  errors = 0;
  firstError: string | undefined;
  readonly ackHist = newHistogram();

  /** Counts a send made at `at` (wall ms); resolves when it is acknowledged or failed. */
  track(send: Promise<unknown>, at: number): Promise<void> {
    this.sent++;
    counters.sent++;
    return send.then(
      () => {
        this.acked++;
        recordSince(this.ackHist, at);
      },
      (err: unknown) => {
        this.errors++;
        this.firstError ??= errorText(err);
      },
    );
  }

  /** Every send has its answer. */
  get settled(): boolean {
    return this.acked + this.errors >= this.sent;
  }
}

async function dm(c: Extract<Command, { cmd: 'dm' }>): Promise<DmResult> {
  const hist = newHistogram();
  const tally = new SendTally();
  const tag = `dm${Math.random().toString(36).slice(2, 8)}|`;
  let received = 0;
  for (const p of c.pairs) {
    client(p.to).onMessage = (text) => {
      if (!text.startsWith(tag)) return;
      received++;
      counters.received++;
      recordSince(hist, Number(text.slice(tag.length)));
    };
  }
  const senders = c.pairs.map((p) => ({ from: client(p.from), to: `user:${p.to}` }));
  const total = Math.floor((c.rate * c.durationMs) / 1000);
  const interval = 1000 / c.rate;
  const start = wallMs() + 2;
  let i = 0;
  const sendOne = (at: number): void => {
    const s = senders[i % senders.length];
    void tally.track(s.from.send(s.to, `${tag}${at}`), at);
  };
  // Open loop: each message has a scheduled time and latency counts from it, so a system
  // that stalls is charged for every message it delayed (no coordinated omission).
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = wallMs();
      while (i < total && start + i * interval <= now) {
        sendOne(start + i * interval);
        i++;
      }
      if (i >= total) resolve();
      else setTimeout(tick, Math.min(5, Math.max(0, start + i * interval - now)));
    };
    tick();
  });
  const sendMs = wallMs() - start;
  const deadline = Date.now() + c.drainMs;
  while ((!tally.settled || received < tally.acked) && Date.now() < deadline) await sleep(10);
  for (const p of c.pairs) client(p.to).onMessage = undefined;
  const { sent, acked, errors, firstError } = tally;
  return {
    sent,
    acked,
    errors,
    received,
    hist: encode(hist),
    ackHist: encode(tally.ackHist),
    firstError,
    sendMs,
  };
}

/** Deliveries of the tagged messages (fanout, storm): latency, and with it the hops this side can see. */
function newRecv(tag: string) {
  return {
    tag,
    received: 0,
    hist: newHistogram(),
    storeHist: newHistogram(),
    firstAt: 0,
    lastAt: 0,
    loop: new LoopDelay(),
  };
}
let recv = newRecv('');

function recvReset(tag: string): void {
  recv.loop.stop();
  recv = newRecv(`${tag}|`);
  // This process's own event loop delay while the messages arrive (lib/loop-delay.ts).
  recv.loop.start();
  for (const cl of clients.values()) {
    cl.onMessage = (text, _ref, arrivedAt, storedAt) => {
      if (!text.startsWith(recv.tag)) return;
      const now = arrivedAt ?? wallMs();
      const sentAt = Number(text.slice(recv.tag.length));
      recv.received++;
      counters.received++;
      if (recv.firstAt === 0) recv.firstAt = now;
      recv.lastAt = now;
      recordSince(recv.hist, sentAt, now);
      if (storedAt !== undefined) recordSince(recv.storeHist, sentAt, storedAt);
    };
  }
}

function recvStats(): RecvStats {
  return {
    received: recv.received,
    hist: encode(recv.hist),
    storeHist: encode(recv.storeHist),
    firstAt: recv.firstAt,
    lastAt: recv.lastAt,
    ...recv.loop.read(),
  };
}

async function fanoutSend(c: Extract<Command, { cmd: 'fanout-send' }>): Promise<FanoutSendResult> {
  const from = client(c.from);
  const tally = new SendTally();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const startedAt = wallMs();
  // Closed loop with a window: the sender keeps `window` sends in flight, so the system runs
  // as fast as it can store and fan out; deliveries per second is then its capacity.
  for (let i = 0; i < c.messages; i++) {
    while (inFlight >= c.window) await new Promise<void>((r) => (wake = r));
    if (c.everyMs) await sleep(Math.max(0, startedAt + i * c.everyMs - wallMs()));
    const at = wallMs();
    inFlight++;
    void tally.track(from.send(`room:${c.room}`, `${c.tag}|${at}`), at).finally(() => {
      inFlight--;
      wake?.();
    });
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  const { sent, acked, errors, firstError } = tally;
  return { sent, acked, errors, firstError, startedAt, ackHist: encode(tally.ackHist) };
}

async function history(c: Extract<Command, { cmd: 'history' }>): Promise<HistoryResult> {
  const cl = client(c.user);
  const hist = newHistogram();
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < c.count; i++) {
    const t0 = performance.now();
    try {
      const n = await cl.history(c.conv, c.before, c.limit);
      if (n === 0) throw new Error(`empty history page for ${c.conv}`);
      hist.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      ok++;
    } catch (err) {
      errors++;
      firstError ??= errorText(err);
    }
  }
  return { ok, errors, firstError, hist: encode(hist) };
}

async function closeAll(): Promise<{ closed: number }> {
  const n = clients.size;
  for (const c of clients.values()) c.close();
  clients.clear();
  await closeNats();
  counters.connected = 0;
  return { closed: n };
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'connect':
      return connect(c);
    case 'dm':
      return dm(c);
    case 'recv-reset':
      recvReset(c.tag);
      return {};
    case 'recv-stats':
      return recvStats();
    case 'gc':
      globalThis.gc?.();
      return {};
    case 'fanout-send':
      return fanoutSend(c);
    case 'history':
      return history(c);
    case 'react-arm':
      reactArm(clients, c, () => counters.received++);
      return {};
    case 'react-stats':
      return reactStats();
    case 'react-join':
      return reactJoin(clients, c.sentAt);
    case 'storm-connect':
      return stormConnect(c, (user, cl) => {
        clients.set(user, cl);
        counters.connected++;
      });
    case 'close':
      return closeAll();
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => process.send?.({ id: req.id, ok: true, result } satisfies Reply),
    (err: unknown) => process.send?.({ id: req.id, ok: false, error: errorText(err) } satisfies Reply),
  );
});

setInterval(() => {
  const p: Progress = { type: 'progress', ...counters };
  const key = JSON.stringify(p);
  // The coordinator may already be gone (it exits without waiting for us).
  if (key !== lastProgress && process.connected) process.send?.(p, undefined, undefined, () => undefined);
  lastProgress = key;
}, 250).unref();

// The coordinator going away (or closing the channel) ends the worker.
process.on('disconnect', () => process.exit(0));
