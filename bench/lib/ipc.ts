/**
 * The messages between the coordinator (run.ts) and its load-generator workers (worker.ts),
 * over node:child_process IPC. Every command gets exactly one reply with its `id`; workers
 * also push `progress` counters while they work.
 */
import type { LoopDelayStats } from './loop-delay.ts';

/** How to reach one system under test. `urls[i]` is node (gateway) i. */
export interface Target {
  kind: 'natter' | 'socketio' | 'ws' | 'nats';
  urls: string[];
}

export interface UserSpec {
  user: string;
  /** Index into target.urls. */
  node: number;
  /** Rooms to be in from the start (only the raw ws limit needs them at connect). */
  rooms?: string[];
}

export type Command =
  | { cmd: 'connect'; target: Target; users: UserSpec[]; concurrency: number; localAddresses?: string[] }
  | {
      cmd: 'dm';
      pairs: { from: string; to: string }[];
      /** This worker's share of the offered rate, messages per second. */
      rate: number;
      durationMs: number;
      /** After the last send, how long to wait for outstanding deliveries. */
      drainMs: number;
      record: boolean;
    }
  | { cmd: 'recv-reset'; tag: string }
  | { cmd: 'recv-stats' }
  /** A full garbage collection in the worker now (it runs with --expose-gc). */
  | { cmd: 'gc' }
  | {
      cmd: 'fanout-send';
      from: string;
      room: string;
      messages: number;
      window: number;
      tag: string;
      /** Open loop instead: message i is sent at start + i * everyMs (window still bounds it). */
      everyMs?: number;
    }
  | ReactArmCommand
  | { cmd: 'react-stats' }
  | { cmd: 'react-join'; sentAt: Record<string, number> }
  | { cmd: 'history'; user: string; conv: string; before?: number; limit: number; count: number }
  | StormConnectCommand
  | { cmd: 'close' };

/** The `reactions` scenario (lib/reactions-worker.ts): count the round's messages, react as `reactors`. */
export interface ReactArmCommand {
  cmd: 'react-arm';
  tag: string;
  reactors: string[];
  /** Each reactor reacts at a random moment within this many ms of the message (0: at once). */
  spreadMs?: number;
  emoji: string;
}

/** With this worker's event loop delay since react-arm. */
export interface ReactRoundStats extends LoopDelayStats {
  /** Message events received (every member) and their latency from the send. */
  messages: number;
  msgHist: string;
  /** Reaction events received from other members. */
  reactionsReceived: number;
  /** React requests this worker's reactors made, answered, failed; react -> answer latency. */
  reactions: number;
  acked: number;
  errors: number;
  firstError?: string;
  ackHist: string;
  firstAt: number;
  lastAt: number;
  /** `${seq}:${reactor}` -> wall ms of the react request, for the join. */
  sentAt: Record<string, number>;
}

export interface ReactJoinResult {
  /** React request -> each other member's reaction event. */
  hist: string;
  /** Receipts of reactions no worker reported sending (should be 0). */
  unmatched: number;
}

/** The `storm` scenario: connect with retries (lib/storm-connect.ts), the joiners joining `join`. */
export interface StormConnectCommand {
  cmd: 'storm-connect';
  kind: 'natter' | 'socketio';
  urls: string[];
  users: { user: string; node: number; join?: string }[];
  concurrency: number;
  localAddresses: string[];
  timeoutMs: number;
}

export interface StormConnectResult {
  connected: number;
  joined: number;
  /** Failures that were retried, by kind (`upgrade_503`, `hello_unavailable`, ...). */
  retried: Record<string, number>;
  /** Failures left after the last retry, by kind. */
  failed: Record<string, number>;
  firstError?: string;
  /** hello latency, first try to synced (retries included). */
  hist: string;
  joinHist: string;
  elapsedMs: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  /** hello (or handshake) latency. */
  hist: string;
  elapsedMs: number;
}

export interface DmResult {
  sent: number;
  acked: number;
  errors: number;
  received: number;
  /** Send to recipient's event, from the scheduled send time (no coordinated omission). */
  hist: string;
  /** Send to the sender's result. */
  ackHist: string;
  firstError?: string;
  /** Wall time from the first to the last scheduled send. */
  sendMs: number;
}

/** With this worker's event loop delay since recv-reset. */
export interface RecvStats extends LoopDelayStats {
  received: number;
  /** Send to arrival at the receiving socket (stamped before parsing). */
  hist: string;
  /** Send to the store time the message carries (Natter: history's `ts`, ms precision). */
  storeHist: string;
  /** Wall clock (ms) of the first and last delivery; 0 when none. */
  firstAt: number;
  lastAt: number;
}

export interface FanoutSendResult {
  sent: number;
  acked: number;
  errors: number;
  firstError?: string;
  startedAt: number;
  ackHist: string;
}

export interface HistoryResult {
  ok: number;
  errors: number;
  firstError?: string;
  hist: string;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface Progress {
  type: 'progress';
  sent: number;
  received: number;
  connected: number;
}

export type Request = Command & { id: number };
