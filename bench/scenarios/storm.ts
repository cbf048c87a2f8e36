import { merge, summarize } from '../lib/histogram.ts';
import type { FanoutSendResult, RecvStats, StormConnectResult } from '../lib/ipc.ts';
import { WorkerPool } from '../lib/pool.ts';
import type { StormResult } from '../lib/results.ts';
import { type MemorySample, readMemory } from '../lib/scrape.ts';
import { type Ctx, sleep } from './context.ts';

/** Sixteen source addresses: 100,000 bound sockets need more than one address's ~28k ports. */
const LOCAL_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 1}`);

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/**
 * `storm` (issue 16): sizes.storm.connections clients from sizes.storm.processes worker
 * processes open at once over sizes.storm.gateways gateways (each worker keeps `concurrency`
 * connects in flight), every one says hello and the first sizes.storm.joiners also join one
 * room; each retries like an SDK (retryAfter, else backoff; lib/storm-connect.ts). Then one
 * message to the room. Reports the connect rate and time to all-in, failures by kind (retried,
 * and left after the retries), hello p50/p99 during the storm, the room message's delivery
 * p99 to every joiner, and the gateways' RSS.
 */
export async function runStorm(ctx: Ctx): Promise<StormResult> {
  const size = ctx.sizes.storm;
  ctx.progress.phase(`storm: starting ${size.gateways} gateways`);
  const sys = await ctx.systems.resize('natter', size.gateways);
  const pool = new WorkerPool(size.processes);
  try {
    const gateways = sys.nodes.slice(0, size.gateways);
    const before: MemorySample[] = await Promise.all(gateways.map((g) => readMemory(g.metrics)));
    const room = `storm${ctx.tag}`;
    const users = Array.from({ length: size.connections }, (_, i) => ({
      user: `s${ctx.tag}${i}`,
      node: i % size.gateways,
      join: i < size.joiners ? room : undefined,
    }));
    ctx.progress.phase(`storm: ${size.connections} connections, ${size.joiners} joining ${room}`, () => {
      const p = pool.progress();
      return `connected ${p.connected}`;
    });
    const parts = await pool.all<StormConnectResult>((w) => ({
      cmd: 'storm-connect',
      urls: sys.target.urls,
      users: users.filter((_, i) => i % size.processes === w),
      concurrency: size.concurrency,
      localAddresses: LOCAL_ADDRESSES,
      timeoutMs: 30_000,
    }));
    const seconds = Math.max(...parts.map((p) => p.elapsedMs)) / 1000;
    const connected = parts.reduce((s, p) => s + p.connected, 0);
    const joined = parts.reduce((s, p) => s + p.joined, 0);
    const retried: Record<string, number> = {};
    const failed: Record<string, number> = {};
    for (const p of parts) {
      addCounts(retried, p.retried);
      addCounts(failed, p.failed);
    }
    await sleep(1000);
    const after: MemorySample[] = await Promise.all(gateways.map((g) => readMemory(g.metrics)));

    // One message to the room, from a joiner (user 0, on worker 0); every other joiner should get it.
    ctx.progress.phase(`storm: one message to ${joined} members of ${room}`);
    const tag = `storm${ctx.tag}m`;
    await pool.all(() => ({ cmd: 'recv-reset', tag }));
    await pool.one<FanoutSendResult>(0, {
      cmd: 'fanout-send',
      from: users[0].user,
      room,
      messages: 1,
      window: 1,
      tag,
    });
    const want = Math.max(0, joined - 1);
    let stats: RecvStats[] = [];
    const deadline = Date.now() + 20_000;
    do {
      await sleep(250);
      stats = await pool.all<RecvStats>(() => ({ cmd: 'recv-stats' }));
    } while (stats.reduce((s, x) => s + x.received, 0) < want && Date.now() < deadline);
    const delivered = stats.reduce((s, x) => s + x.received, 0);
    await pool.all(() => ({ cmd: 'close' }));
    const rss = after.reduce((s, m) => s + m.rss, 0);
    const rssBefore = before.reduce((s, m) => s + m.rss, 0);
    const r: StormResult = {
      gateways: size.gateways,
      processes: size.processes,
      requested: size.connections,
      connected,
      joiners: size.joiners,
      joined,
      seconds: Math.round(seconds * 100) / 100,
      perSec: Math.round(connected / seconds),
      retried,
      failed,
      firstError: parts.find((p) => p.firstError)?.firstError,
      hello: summarize(merge(parts.map((p) => p.hist))),
      join: summarize(merge(parts.map((p) => p.joinHist))),
      delivered,
      deliveryWanted: want,
      delivery: summarize(merge(stats.map((x) => x.hist))),
      gatewayRss: rss,
      rssPerConn: Math.round((rss - rssBefore) / Math.max(1, connected)),
    };
    const fails = Object.values(failed).reduce((a, b) => a + b, 0);
    ctx.progress.note(
      `  storm ${connected}/${size.connections} in ${r.seconds} s (${r.perSec}/s), ${joined}/${size.joiners} joined, ${fails} failed after retries ${JSON.stringify(failed)}, retried ${JSON.stringify(retried)}`,
    );
    ctx.progress.note(
      `    hello p50 ${r.hello.p50} ms p99 ${r.hello.p99} ms; room message to ${delivered}/${want} p99 ${r.delivery.p99} ms; gateways RSS ${Math.round(rss / 2 ** 20)} MiB (${(r.rssPerConn / 1024).toFixed(1)} KiB/conn)`,
    );
    return r;
  } finally {
    pool.stop();
    ctx.progress.phase('storm: stopping extra gateways');
    await ctx.systems.resize('natter', 2);
  }
}
