import { merge, summarize } from '../lib/histogram.ts';
import type { ConnectResult } from '../lib/ipc.ts';
import type { ConnectionsResult } from '../lib/results.ts';
import { settledMemory } from '../lib/scrape.ts';
import { type Ctx, counterDetail, sleep, systemOf } from './context.ts';

/** Source addresses past one address's ~28k ephemeral ports; all of 127/8 is loopback on Linux. */
const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

/**
 * `connections`: N idle authenticated connections on node 1 (Natter: hello answered and
 * synced; peer: connected and in its rooms; ws: open). Connect rate over the whole ramp;
 * memory per connection is the node's RSS and V8 heap delta (from its /metrics) over N,
 * from a baseline taken after a warm-up of N/10 connections that came and went.
 */
export async function runConnections(ctx: Ctx, id: 'natter' | 'peer' | 'ws'): Promise<ConnectionsResult> {
  const { pool, sizes } = ctx;
  const sys = systemOf(ctx, id);
  const node = sys.nodes[0];
  const n = sizes.connections;
  // Warm-up: a tenth of N connect and leave, so the baseline is a process that has already
  // compiled its connect path and grown its heap for the churn of connecting; the delta is
  // then what the open connections hold, not the first connections' one-off growth.
  const warm = Math.max(100, Math.round(n / 10));
  ctx.progress.phase(`connections ${id}: warm-up (${warm})`, counterDetail(ctx));
  await pool.all<ConnectResult>((w) => ({
    cmd: 'connect',
    target: sys.target,
    users: Array.from({ length: warm }, (_, i) => ({ user: `cw${ctx.tag}${id}${i}`, node: 0 })).filter(
      (_, i) => i % pool.size === w,
    ),
    concurrency: 64,
    localAddresses: LOCAL_ADDRESSES,
  }));
  await pool.all(() => ({ cmd: 'close' }));
  await sleep(1000);
  ctx.progress.phase(`connections ${id}: baseline memory`);
  const before = await settledMemory(node.metrics);
  ctx.progress.phase(`connections ${id}: opening ${n}`, counterDetail(ctx));
  const users = Array.from({ length: n }, (_, i) => ({ user: `c${ctx.tag}${id}${i}`, node: 0 }));
  const parts = await pool.all<ConnectResult>((w) => ({
    cmd: 'connect',
    target: sys.target,
    users: users.filter((_, i) => i % pool.size === w),
    concurrency: 64,
    localAddresses: LOCAL_ADDRESSES,
  }));
  const seconds = Math.max(...parts.map((p) => p.elapsedMs)) / 1000;
  const connected = parts.reduce((s, p) => s + p.connected, 0);
  ctx.progress.phase(`connections ${id}: ${connected} open, settling`);
  await sleep(500);
  const after = await settledMemory(node.metrics);
  await pool.all(() => ({ cmd: 'close' }));
  await sleep(500);
  const r: ConnectionsResult = {
    system: id,
    requested: n,
    connected,
    failed: n - connected,
    seconds: Math.round(seconds * 100) / 100,
    perSec: Math.round(connected / seconds),
    connectLatency: summarize(merge(parts.map((p) => p.hist))),
    rssPerConn: Math.round((after.rss - before.rss) / Math.max(1, connected)),
    heapPerConn: Math.round((after.heapUsed - before.heapUsed) / Math.max(1, connected)),
    before,
    after,
    firstError: parts.find((p) => p.firstError)?.firstError,
  };
  ctx.progress.note(
    `  connections ${id.padEnd(6)} ${connected}/${n} in ${r.seconds} s (${r.perSec}/s)  RSS ${(r.rssPerConn / 1024).toFixed(1)} KiB/conn  heap ${(r.heapPerConn / 1024).toFixed(1)} KiB/conn`,
  );
  return r;
}
