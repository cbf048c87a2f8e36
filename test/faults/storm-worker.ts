/**
 * One process of the fault suite's storm (storm.ts forks several): SDK clients with their
 * sockets bound to given source addresses (127.0.0.x), reporting to the parent over IPC how
 * many have a session on which gateway, how many hellos were refused and retried, how many
 * clients gave up (a hello that failed beyond the SDK's retries), and where reconnecting
 * clients' time went: what ended each connection that did not become a session, how long
 * upgrades and hellos took, and how long each client was without a session.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NatterClient, type WebSocketConstructor } from '@natter/client';
import WebSocket from 'ws';
import { token } from '../helpers/cluster.ts';
import { emptyStormStatus } from './storm-report.ts';

export type StormCommand =
  | { cmd: 'connect'; users: string[]; urls: string[]; addresses: string[]; concurrency: number }
  | { cmd: 'status' }
  | { cmd: 'report' }
  | { cmd: 'close' };

export interface StormStatus {
  /** Clients with a live session, by gateway id. */
  open: Record<string, number>;
  clients: number;
  /** Connections that ended (a killed gateway, a refused upgrade or hello) and were retried. */
  disconnects: number;
  /** Clients the SDK closed for good (a refusal it would not retry). */
  gaveUp: number;
  firstError?: string;
  /** Connections that ended without becoming a session, by what ended them (`outcomeOf`). */
  ends: Record<string, number>;
  /** Per client that lost its session: ms from the loss to its next session. */
  backMs: number[];
  /** Per client that lost its session: when it saw the loss, and when it dialled again (epoch ms). */
  lostAt: number[];
  redialAt: number[];
  /** Per client that lost its session: connections it took to have one again. */
  tries: number[];
  /** Per connection opened after a loss: ms from dialling to open (TCP and the HTTP upgrade). */
  upgradeMs: number[];
  /** Per hello sent after a loss: ms from sending it to its answer (a session or a refusal). */
  helloMs: number[];
  /** The longest this process's event loop was blocked, ms (merged: the worst process's). */
  lagMaxMs: number;
}

/** One connection's milestones, from the socket's own events (the SDK does not expose them). */
interface Attempt {
  dialledAt: number;
  openedAt?: number;
  helloAt?: number;
  answeredAt?: number;
  /** The transport's error before the socket opened ("Unexpected server response: 503", ECONNRESET). */
  error?: string;
}

/** Per client: the connection being tried, and since when it has had no session. */
interface Tracker {
  current?: Attempt;
  live: boolean;
  lostAt?: number;
  tries: number;
}

const clients: NatterClient[] = [];
const status: StormStatus = emptyStormStatus();

/** A busy client process delays its sockets' events: measured, so it is not taken for the server's. */
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();

/**
 * Why a connection that did not become a session ended, in words the report can count: the
 * upgrade failed (and how), the socket never opened, the hello went unanswered, or it was
 * answered with a refusal the SDK retries.
 */
function outcomeOf(a: Attempt | undefined, code: number, reason: string): string {
  const why = `${code}${reason ? ` ${reason.replace(/\d+ ms/, 'N ms')}` : ''}`;
  if (!a) return `no connection: ${why}`;
  if (a.openedAt === undefined) return a.error ? `upgrade failed: ${a.error}` : `never opened: ${why}`;
  if (a.helloAt === undefined) return `open, no hello sent: ${why}`;
  if (a.answeredAt === undefined) return `hello unanswered: ${why}`;
  return `hello refused: ${why}`;
}

/** A `ws` socket bound to `address` whose milestones go to `t.current`. */
function bound(address: string, t: Tracker): WebSocketConstructor {
  return class BoundWebSocket extends WebSocket {
    private readonly attempt: Attempt = { dialledAt: Date.now() };

    constructor(url: string) {
      super(url, { localAddress: address, perMessageDeflate: false });
      const a = this.attempt;
      t.current = a;
      if (t.lostAt !== undefined && t.tries++ === 0) status.redialAt.push(a.dialledAt);
      this.once('open', () => {
        a.openedAt = Date.now();
        if (t.lostAt !== undefined) status.upgradeMs.push(a.openedAt - a.dialledAt);
      });
      this.once('message', () => {
        a.answeredAt = Date.now();
        if (t.lostAt !== undefined && a.helloAt !== undefined) status.helloMs.push(a.answeredAt - a.helloAt);
      });
      this.once('error', (err: NodeJS.ErrnoException) => {
        if (a.openedAt === undefined) a.error = err.code ?? err.message;
      });
    }

    override send(data: string): void {
      // The SDK's first frame on a connection is its hello.
      this.attempt.helloAt ??= Date.now();
      super.send(data);
    }
  };
}

/** The counts; with `detail`, the per-client timings too (polled often, so only when asked). */
function snapshot(detail = false): StormStatus {
  const open: Record<string, number> = {};
  for (const c of clients) {
    if (c.state !== 'open') continue;
    const gw = c.helloResult?.gateway ?? '?';
    open[gw] = (open[gw] ?? 0) + 1;
  }
  const counts = { ...status, open, clients: clients.length, lagMaxMs: Math.round(lag.max / 1e6) };
  if (detail) return counts;
  return { ...counts, backMs: [], lostAt: [], redialAt: [], tries: [], upgradeMs: [], helloMs: [] };
}

async function connect(c: Extract<StormCommand, { cmd: 'connect' }>): Promise<void> {
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= c.users.length) return;
      const user = c.users[i];
      const t: Tracker = { live: false, tries: 0 };
      const client = new NatterClient({
        url: c.urls,
        WebSocket: bound(c.addresses[i % c.addresses.length], t),
        token: () => token(user),
        device: 'storm',
        heartbeat: false,
        requestTimeoutMs: 20_000,
      });
      client.on('disconnect', ({ code, reason }) => {
        status.disconnects++;
        if (t.live) {
          // The session's own end (its gateway killed): from here the client is away.
          t.live = false;
          t.lostAt = Date.now();
          status.lostAt.push(t.lostAt);
          return;
        }
        const why = outcomeOf(t.current, code, reason);
        status.ends[why] = (status.ends[why] ?? 0) + 1;
      });
      client.on('hello', () => {
        t.live = true;
        if (t.lostAt === undefined) return;
        status.backMs.push(Date.now() - t.lostAt);
        status.tries.push(t.tries);
        t.lostAt = undefined;
        t.tries = 0;
      });
      client.on('error', (err) => {
        status.firstError ??= `${err.code}: ${err.message}`;
      });
      client.on('state', (s) => {
        if (s === 'closed' && !closing) status.gaveUp++;
      });
      clients.push(client);
      await client.connect().catch((err: unknown) => {
        status.firstError ??= String(err);
      });
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, one));
}

let closing = false;

process.on('message', (m: StormCommand & { id: number }) => {
  const reply = (result: unknown) => process.send?.({ id: m.id, result });
  if (m.cmd === 'connect') void connect(m).then(() => reply(snapshot()));
  else if (m.cmd === 'status') reply(snapshot());
  else if (m.cmd === 'report') reply(snapshot(true));
  else {
    closing = true;
    for (const c of clients) c.close();
    reply(snapshot());
    setTimeout(() => process.exit(0), 200);
  }
});
