import { merge, summarize } from '../lib/histogram.ts';
import type { StormConnectResult } from '../lib/ipc.ts';
import { WorkerPool } from '../lib/pool.ts';
import type { StormResult } from '../lib/results.ts';
import { grown, type MemorySample, readByLabel, readMemory } from '../lib/scrape.ts';
import { stormMessages } from '../lib/storm-message.ts';
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
 * room; each retries like an SDK (retryAfter, else backoff; lib/storm-connect.ts). Then
 * sizes.storm.messages messages to the room (lib/storm-message.ts). Reports the connect rate
 * and time to all-in, failures by kind (retried, and left after the retries), hello p50/p99
 * during the storm, the room messages' delivery p99 to every joiner with the hops it went
 * through, and the gateways' RSS. `peer`: the Socket.IO peer on as many nodes, doing the same
 * (connect until `ready`, join, the messages).
 */
export async function runStorm(ctx: Ctx, id: 'natter' | 'peer' = 'natter'): Promise<StormResult> {
  const size = ctx.sizes.storm;
  const what = id === 'natter' ? 'gateways' : 'peer nodes';
  ctx.progress.phase(`storm ${id}: starting ${size.gateways} ${what}`);
  const sys = await ctx.systems.resize(id, size.gateways);
  const pool = new WorkerPool(size.processes);
  try {
    const gateways = sys.nodes.slice(0, size.gateways);
    const before: MemorySample[] = await Promise.all(gateways.map((g) => readMemory(g.metrics)));
    // The gateways' own count of what the storm did to joins and admission (Natter only).
    const serverSide = () =>
      Promise.all(
        id === 'natter'
          ? gateways.map(async (g) => ({
              join: await readByLabel(
                g.metrics,
                'natter_gateway_rpc_seconds_count',
                'outcome',
                'rpc="rooms.join"',
              ),
              admission: await readByLabel(g.metrics, 'natter_gateway_admission_total', 'outcome'),
            }))
          : [],
      );
    const serverBefore = await serverSide();
    const room = `storm${ctx.tag}${id === 'peer' ? 'p' : ''}`;
    const users = Array.from({ length: size.connections }, (_, i) => ({
      user: `s${ctx.tag}${id === 'peer' ? 'p' : ''}${i}`,
      node: i % size.gateways,
      join: i < size.joiners ? room : undefined,
    }));
    ctx.progress.phase(
      `storm ${id}: ${size.connections} connections, ${size.joiners} joining ${room}`,
      () => {
        const p = pool.progress();
        return `connected ${p.connected}`;
      },
    );
    const parts = await pool.all<StormConnectResult>((w) => ({
      cmd: 'storm-connect',
      kind: id === 'natter' ? 'natter' : 'socketio',
      urls: sys.target.urls.slice(0, size.gateways),
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
    // The storm's own work (its last joins' fanout of `joined`, collections of what the
    // connects left) settles before memory is read and the messages go.
    await sleep(size.settleMs);
    const after: MemorySample[] = await Promise.all(gateways.map((g) => readMemory(g.metrics)));
    const serverAfter = await serverSide();
    // What grew over the storm, summed over the gateways; the peer has no such counts.
    const counted = (what: 'join' | 'admission') =>
      id === 'natter'
        ? grown(
            serverBefore.map((x) => x[what]),
            serverAfter.map((x) => x[what]),
          )
        : undefined;

    // Messages to the room from a joiner (user 0, on worker 0); every other joiner should get each.
    ctx.progress.phase(`storm ${id}: ${size.messages} messages to ${joined} members of ${room}`);
    const m = await stormMessages({
      pool,
      from: users[0].user,
      room,
      tag: `storm${ctx.tag}m`,
      messages: size.messages,
      gapMs: size.messageGapMs,
      want: Math.max(0, joined - 1),
      gatewayMetrics: id === 'natter' ? gateways.map((g) => g.metrics) : [],
    });
    await pool.all(() => ({ cmd: 'close' }));
    const rss = after.reduce((s, x) => s + x.rss, 0);
    const rssBefore = before.reduce((s, x) => s + x.rss, 0);
    const r: StormResult = {
      system: id,
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
      ...m,
      joinRpc: counted('join'),
      admission: counted('admission'),
      gatewayRss: rss,
      rssPerConn: Math.round((rss - rssBefore) / Math.max(1, connected)),
    };
    const fails = Object.values(failed).reduce((a, b) => a + b, 0);
    const h = r.hops;
    ctx.progress.note(
      `  storm ${id} ${connected}/${size.connections} in ${r.seconds} s (${r.perSec}/s), ${joined}/${size.joiners} joined, ${fails} failed after retries ${JSON.stringify(failed)}, retried ${JSON.stringify(retried)}`,
    );
    ctx.progress.note(
      `    hello p50 ${r.hello.p50} ms p99 ${r.hello.p99} ms; ${size.messages} room messages to ${r.delivered}/${r.deliveryWanted} p50 ${r.delivery.p50} p99 ${r.delivery.p99} max ${r.delivery.max} ms; RSS ${Math.round(rss / 2 ** 20)} MiB (${(r.rssPerConn / 1024).toFixed(1)} KiB/conn)`,
    );
    if (r.joinRpc)
      ctx.progress.note(
        `    gateways: rooms.join outcomes ${JSON.stringify(r.joinRpc)}, admission ${JSON.stringify(r.admission)}`,
      );
    if (h)
      ctx.progress.note(
        `    hops: ack p50 ${h.ack.p50} max ${h.ack.max}; send->stored p50 ${h.store.p50} max ${h.store.max}; stored->gateway ${h.gatewayLagMs ?? '-'}; fanout loop ${h.fanoutMs ?? '-'}; client loop delay p99 ${h.clientLoopP99Ms} max ${h.clientLoopMaxMs} (ms)`,
      );
    return r;
  } finally {
    pool.stop();
    ctx.progress.phase(`storm ${id}: stopping extra ${what}`);
    await ctx.systems.resize(id, 2);
  }
}
