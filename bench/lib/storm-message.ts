import { merge, summarize } from './histogram.ts';
import type { FanoutSendResult, RecvStats } from './ipc.ts';
import { worstLoopDelay } from './loop-delay.ts';
import type { WorkerPool } from './pool.ts';
import type { StormHops } from './results.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `name{kind="room"}` (sum and count) of every gateway, for the gateway's own hops. */
async function readRoomSeries(metricsUrl: string, names: string[]): Promise<Record<string, number>> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${metricsUrl} answered ${res.status}`);
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const name of names) {
    // Beside `kind`, the series carry the process's default labels (`service`).
    const m = new RegExp(`^${name}\\{[^}]*kind="room"[^}]*\\} ([0-9.e+-]+)`, 'm').exec(text);
    out[name] = m ? Number(m[1]) : 0;
  }
  return out;
}

const LAG = 'natter_gateway_delivery_lag_seconds';
const FANOUT = 'natter_gateway_fanout_seconds';
const SERIES = [`${LAG}_sum`, `${LAG}_count`, `${FANOUT}_sum`, `${FANOUT}_count`];

export interface StormMessageOptions {
  pool: WorkerPool;
  /** The sending joiner, held by worker 0. */
  from: string;
  room: string;
  tag: string;
  messages: number;
  gapMs: number;
  /** Deliveries wanted per message (joiners but the sender). */
  want: number;
  /** Natter's gateways' /metrics, for the store-to-gateway and fanout hops; none for the peer. */
  gatewayMetrics: string[];
}

export interface StormMessageResult {
  delivered: number;
  deliveryWanted: number;
  delivery: ReturnType<typeof summarize>;
  hops: StormHops;
}

/**
 * The storm's room messages: `messages` sends to the room from one joiner, `gapMs` apart, and
 * every other joiner's delivery of each; p99 is over all of them (one message's p99 is one
 * moment of a noisy machine). Beside the end-to-end latency, each hop that can be seen: the
 * sender's ack (stored and published), send to history's store time (`ts`), store to each
 * gateway's arrival and that gateway's fanout loop (its metrics: sum/count, so exact means),
 * and the client processes' own event loop delay while the messages arrived.
 */
export async function stormMessages(o: StormMessageOptions): Promise<StormMessageResult> {
  const { pool } = o;
  // The client workers' heaps after the storm are full of its garbage (16,700 connects each at
  // full size): collected now, a major collection does not stall a worker (and every delivery
  // to its sockets) while the messages arrive. That is the load generator's cost, not the server's.
  await pool.all(() => ({ cmd: 'gc' }));
  await sleep(500);
  const before = await Promise.all(o.gatewayMetrics.map((m) => readRoomSeries(m, SERIES)));
  await pool.all(() => ({ cmd: 'recv-reset', tag: o.tag }));
  const acks: FanoutSendResult[] = [];
  for (let i = 0; i < o.messages; i++) {
    if (i > 0) await sleep(o.gapMs);
    acks.push(
      await pool.one<FanoutSendResult>(0, {
        cmd: 'fanout-send',
        from: o.from,
        room: o.room,
        messages: 1,
        window: 1,
        tag: o.tag,
      }),
    );
  }
  const want = o.want * o.messages;
  let stats: RecvStats[] = [];
  const deadline = Date.now() + 20_000;
  do {
    await sleep(250);
    stats = await pool.all<RecvStats>(() => ({ cmd: 'recv-stats' }));
  } while (stats.reduce((s, x) => s + x.received, 0) < want && Date.now() < deadline);
  const after = await Promise.all(o.gatewayMetrics.map((m) => readRoomSeries(m, SERIES)));
  // Per gateway: the mean of each hop over this phase's messages; the report shows the slowest gateway.
  const mean = (sum: string, count: string) =>
    after.map((a, i) => {
      const n = a[count] - before[i][count];
      return n > 0 ? ((a[sum] - before[i][sum]) / n) * 1000 : 0;
    });
  const lag = mean(`${LAG}_sum`, `${LAG}_count`);
  const fanout = mean(`${FANOUT}_sum`, `${FANOUT}_count`);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    delivered: stats.reduce((s, x) => s + x.received, 0),
    deliveryWanted: want,
    delivery: summarize(merge(stats.map((x) => x.hist))),
    hops: {
      messages: o.messages,
      ack: summarize(merge(acks.map((a) => a.ackHist))),
      store: summarize(merge(stats.map((x) => x.storeHist))),
      gatewayLagMs: lag.length ? round(Math.max(...lag)) : undefined,
      fanoutMs: fanout.length ? round(Math.max(...fanout)) : undefined,
      ...worstLoopDelay(stats),
    },
  };
}
