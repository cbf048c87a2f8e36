import type pg from 'pg';
import type { WorkerPool } from '../lib/pool.ts';
import type { NatterProfiler } from '../lib/profiler.ts';
import type { ProgressLine } from '../lib/progress.ts';
import type { System, Systems } from '../lib/systems.ts';

/** Sizes of one run; `quick` keeps the whole run under 3 minutes on 2 cores. */
export interface Sizes {
  dmPairs: number;
  dmRates: number[];
  dmStepMs: number;
  dmDrainMs: number;
  fanout: { members: number; messages: number }[];
  fanoutWindow: number;
  /** `reactions`: a room of `members`, every `reactEvery`th reacting to each of `messages` messages per rate (messages/s). */
  reactions: { members: number; messages: number; rates: number[]; reactEvery: number };
  connections: number;
  historyStored: number;
  historyQueries: number;
  /** `cluster`: gateways (Natter) and nodes (the peer) per measured size, ascending. */
  clusterSizes: number[];
  /** `cluster`: DMs per second offered at every size, over `clusterPairs` pairs. */
  clusterRate: number;
  clusterPairs: number;
  clusterStepMs: number;
  /** `cluster`: CPU of the idle cluster (users connected, nothing sent) measured this long; 0: not measured. */
  clusterIdleMs: number;
  /** `storm`: connections opened at once over `gateways` from `processes` workers, `joiners` of them joining one room. */
  storm: {
    gateways: number;
    processes: number;
    connections: number;
    joiners: number;
    concurrency: number;
    /** Room messages after the storm, `messageGapMs` apart (p99 over all their deliveries). */
    messages: number;
    messageGapMs: number;
    /** Wait after the last connect before memory is read and the messages go. */
    settleMs: number;
  };
  /** `webhooks`: events logged at once for the receiver to drain, and each latency phase's length. */
  webhookBacklog: number;
  webhookStepMs: number;
}

export const QUICK: Sizes = {
  dmPairs: 40,
  dmRates: [100, 250, 500, 1000, 2000, 4000],
  dmStepMs: 2000,
  dmDrainMs: 3000,
  fanout: [
    { members: 100, messages: 200 },
    { members: 1000, messages: 30 },
  ],
  fanoutWindow: 8,
  // Each message is ~100k deliveries (100 reactions to 999 members): a rate of 1/s is already
  // the fanout scenario's capacity on 2 cores.
  reactions: { members: 1000, messages: 3, rates: [0.1, 0.25, 0.5], reactEvery: 10 },
  connections: 2000,
  historyStored: 100_000,
  historyQueries: 200,
  clusterSizes: [2, 4],
  clusterRate: 100,
  clusterPairs: 48,
  clusterStepMs: 2500,
  clusterIdleMs: 0,
  storm: {
    gateways: 2,
    processes: 2,
    connections: 4000,
    joiners: 1000,
    concurrency: 100,
    messages: 5,
    messageGapMs: 1000,
    settleMs: 1000,
  },
  webhookBacklog: 5000,
  webhookStepMs: 4000,
};

export const FULL: Sizes = {
  dmPairs: 200,
  dmRates: [100, 250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000, 16000, 24000],
  dmStepMs: 8000,
  dmDrainMs: 5000,
  fanout: [
    { members: 100, messages: 1000 },
    { members: 1000, messages: 200 },
    { members: 5000, messages: 60 },
  ],
  fanoutWindow: 8,
  reactions: { members: 1000, messages: 10, rates: [0.1, 0.25, 0.5, 1], reactEvery: 10 },
  // The per-process fd limit (20k here) caps one gateway; the rest is its own sockets.
  connections: 19_000,
  historyStored: 1_000_000,
  historyQueries: 1000,
  clusterSizes: [2, 4, 8],
  clusterRate: 200,
  clusterPairs: 240,
  clusterStepMs: 10_000,
  clusterIdleMs: 3000,
  // Issue 16: six gateways, six client processes of ~16,700 connections (250 in flight each).
  storm: {
    gateways: 6,
    processes: 6,
    connections: 100_000,
    joiners: 10_000,
    concurrency: 250,
    messages: 5,
    messageGapMs: 1000,
    settleMs: 1000,
  },
  webhookBacklog: 50_000,
  webhookStepMs: 10_000,
};

export interface Ctx {
  pool: WorkerPool;
  systems: Systems;
  db: pg.Pool;
  progress: ProgressLine;
  sizes: Sizes;
  /** Short and unique per run: keeps user, room and cid names apart between scenarios. */
  tag: string;
  /** With --profile: CPU profiles of every Natter process around Natter's measured phases. */
  profiler?: NatterProfiler;
}

/** Runs `fn` under the profiler when profiling Natter, else just runs it. */
export function profiled<T>(ctx: Ctx, id: string, phase: string, fn: () => Promise<T>): Promise<T> {
  return id === 'natter' && ctx.profiler ? ctx.profiler.around(phase, fn) : fn();
}

export function systemOf(ctx: Ctx, id: 'natter' | 'peer' | 'ws' | 'nats'): System {
  return ctx.systems[id];
}

/** Live counters for the progress line, relative to the start of the phase. */
export function counterDetail(ctx: Ctx): () => string {
  const base = ctx.pool.progress();
  return () => {
    const p = ctx.pool.progress();
    return `sent ${p.sent - base.sent}  received ${p.received - base.received}  connected ${p.connected}`;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
