import type { LatencySummary } from './histogram.ts';
import type { Machine } from './machine.ts';
import type { PhaseProfile } from './profiler.ts';

/** The shape of bench/results/*.json: everything a report or a later comparison needs. */

export type SystemId = 'natter' | 'peer' | 'ws' | 'nats' | 'pg';

export const SYSTEM_LABELS: Record<SystemId, string> = {
  natter: 'Natter (2 gateways + services)',
  peer: 'Socket.IO + Redis adapter (2 nodes)',
  ws: 'raw ws relay (1 process)',
  nats: 'raw NATS pub/sub',
  pg: 'raw Postgres query',
};

/** What a step of DMs sent at a fixed rate measured (the `dm` and `cluster` scenarios). */
export interface SendStep {
  /** Offered messages per second. */
  rate: number;
  sent: number;
  acked: number;
  received: number;
  errors: number;
  /** Messages actually sent per second (the generator kept up when it is close to `rate`). */
  sentRate: number;
  latency: LatencySummary;
  ack: LatencySummary;
}

export interface DmStep extends SendStep {
  held: boolean;
  why?: string;
  firstError?: string;
  /** CPU milliseconds per sent message, per process group (lib/cpu.ts), over the step. */
  cpuPerMessage?: Record<string, number>;
}

export interface DmResult {
  system: SystemId;
  pairs: number;
  steps: DmStep[];
  /** Highest offered rate held with p99 < 25 ms, nothing lost; 0 when none was. */
  maxHeld: number;
}

/** One size of the `cluster` scenario: DMs at a fixed rate across `nodes` gateways / nodes. */
export interface ClusterStep extends SendStep {
  /** Gateways (Natter) or Socket.IO nodes (the peer). */
  nodes: number;
  /** Messages delivered to their recipient per second of sending. */
  deliveredPerSec: number;
  /** Of the pairs, how many have sender and recipient on different nodes. */
  crossNodePairs: number;
  firstError?: string;
  /** CPU milliseconds per sent DM over the system's server processes (load generator excluded). */
  cpuPerDm: number;
  /** The same by kind of process: `nodes` (every gateway / Socket.IO node), history, presence, rooms, nats-server, redis-server, postgres. */
  cpuByKind: Record<string, number>;
  /** CPU milliseconds per sent DM, per process group (lib/cpu.ts), load generator included. */
  cpuPerMessage: Record<string, number>;
  /**
   * CPU milliseconds per second the same server processes used idle (users connected, nothing
   * sent), when measured (full runs): the part of cpuPerDm that is a cost per node, not per DM.
   */
  idleCpuPerSec?: number;
}

export interface ClusterResult {
  system: 'natter' | 'peer';
  pairs: number;
  steps: ClusterStep[];
}

export interface FanoutResult {
  system: SystemId;
  members: number;
  messages: number;
  expected: number;
  delivered: number;
  errors: number;
  seconds: number;
  deliveriesPerSec: number;
  latency: LatencySummary;
  ack: LatencySummary;
  firstError?: string;
  /** CPU milliseconds per delivery, per process group (lib/cpu.ts), over the measured phase. */
  cpuPerDelivery?: Record<string, number>;
}

/** `reactions` (issue 13): one round of messages at `rate`/s, `reactors` members reacting to each. */
export interface ReactionsResult {
  system: SystemId;
  members: number;
  reactors: number;
  /** Messages per second offered. */
  rate: number;
  messages: number;
  /** React requests made (one per reactor and message). */
  reactions: number;
  expected: number;
  /** Message events and reaction events received. */
  delivered: number;
  /** Reaction events whose send time no worker reported (0 unless the join is broken). */
  unmatched: number;
  errors: number;
  firstError?: string;
  seconds: number;
  deliveriesPerSec: number;
  /** Every delivery; then the messages and the reactions apart; react request -> its answer. */
  latency: LatencySummary;
  messageLatency: LatencySummary;
  reactionLatency: LatencySummary;
  reactAck: LatencySummary;
  /**
   * The load generator's event loop delay over the round (ms; the worst worker): a stalled
   * worker makes every delivery to its sockets late. Absent in reports from before it was measured.
   */
  clientLoopMaxMs?: number;
  clientLoopP99Ms?: number;
}

export interface ConnectionsResult {
  system: SystemId;
  requested: number;
  connected: number;
  failed: number;
  seconds: number;
  perSec: number;
  connectLatency: LatencySummary;
  rssPerConn: number;
  heapPerConn: number;
  before: { rss: number; heapUsed: number };
  after: { rss: number; heapUsed: number };
  firstError?: string;
}

export interface HistoryResult {
  system: SystemId;
  /** `lifecycle`: the pages' messages carry reactions, thread summaries, replies and mentions (1.1). */
  variant?: 'lifecycle';
  stored: number;
  convMessages: number;
  newest: LatencySummary;
  deep: LatencySummary;
  errors: number;
  firstError?: string;
}

export interface Ratio {
  what: string;
  value: number;
  /** The issue's target, when it sets one for this ratio. */
  target?: { min?: number; max?: number; text: string };
  met?: boolean;
}

/** The `storm` scenario (issue 16): many connections at once over several gateways, some joining one room. */
/** Where a storm room message's time went (bench/lib/storm-message.ts), over all its messages. */
export interface StormHops {
  messages: number;
  /** The sender's send to its ack (stored, published, answered). */
  ack: LatencySummary;
  /** The sender's send to the store time the delivered message carries (Natter: history's `ts`). */
  store: LatencySummary;
  /** Natter: store time to arrival at a gateway, and that gateway's fanout loop (ms, mean; the slowest gateway). */
  gatewayLagMs?: number;
  fanoutMs?: number;
  /** The client worker processes' event loop delay while the messages arrived (ms; the worst worker). */
  clientLoopMaxMs: number;
  clientLoopP99Ms: number;
}

export interface StormResult {
  /** Natter's gateways, or the Socket.IO peer's nodes (`gateways` then counts nodes). */
  system?: 'natter' | 'peer';
  gateways: number;
  processes: number;
  requested: number;
  connected: number;
  joiners: number;
  joined: number;
  /** Wall time until every client was in (or had given up). */
  seconds: number;
  perSec: number;
  /** Failures a client retried, and failures left after its retries, by kind. */
  retried: Record<string, number>;
  failed: Record<string, number>;
  firstError?: string;
  /** First try to `synced`, retries included. */
  hello: LatencySummary;
  join: LatencySummary;
  /** The room messages: deliveries, those wanted ((joined - 1) per message, the sender skipped), latency. */
  delivered: number;
  deliveryWanted: number;
  delivery: LatencySummary;
  hops?: StormHops;
  /**
   * Natter: the gateways' own counts over the storm: `rooms.join` calls by outcome (`ok`,
   * `unavailable`: a timeout or a shed join, which the client then retried) and admission
   * outcomes (admitted, queued, shed, expired).
   */
  joinRpc?: Record<string, number>;
  admission?: Record<string, number>;
  /** All gateways' (nodes') RSS after the storm, and its growth per connection. */
  gatewayRss: number;
  rssPerConn: number;
}

export interface Report {
  mode: 'quick' | 'full';
  startedAt: string;
  seconds: number;
  machine: Machine & {
    /** 1, 5 and 15 minute load averages when the run started and ended: anything else running shows here. */
    loadAvgStart: number[];
    loadAvgEnd?: number[];
  };
  workers: number;
  dm: DmResult[];
  fanout: FanoutResult[];
  connections: ConnectionsResult[];
  history: HistoryResult[];
  /** Cost versus cluster size (absent in reports from before the scenario). */
  cluster?: ClusterResult[];
  /** Reconnect storm (absent in reports from before the scenario). */
  storm?: StormResult[];
  /** Webhook delivery (absent in reports from before the scenario). */
  webhooks?: WebhooksResult[];
  /** Reactions in a large room (absent in reports from before the scenario). */
  reactions?: ReactionsResult[];
  ratios: Ratio[];
  notes: string[];
  /** With --profile: where each Natter process spent its CPU in Natter's measured phases. */
  profiles?: PhaseProfile[];
  /** Wall time of each step of the run. */
  timings: { what: string; seconds: number }[];
}

/** The `webhooks` scenario (issue 14): delivery throughput and what a dead receiver costs DMs. */
export interface WebhooksResult {
  /** Events logged at once while the receiver was down, then drained. */
  backlog: number;
  delivered: number;
  seconds: number;
  /** Events delivered per second to one local receiver (one URL: one request at a time). */
  perSec: number;
  /** DM delivery latency across gateways with the receiver up, and down while events pile up. */
  latencyUp: LatencySummary;
  latencyDown: LatencySummary;
  /** p99 down minus p99 up, ms (must not grow). */
  addedP99: number;
  /** Events the log grew by while the receiver was down. */
  piledUp: number;
}
