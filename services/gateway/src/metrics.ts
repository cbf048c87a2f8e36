import { type Bus, BusTimeoutError } from '@natter/bus';
import {
  type CallOptions,
  type RawJson,
  type Rpc,
  RpcClient,
  type RpcKey,
  type Subjects,
} from '@natter/contracts';
import { NatterError } from '@natter/protocol';
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

/** What the scrape-time gauges read: the live connections and what waits to go out to them. */
export interface OutgoingSource {
  /** Bytes queued in each socket that the kernel has not taken yet. */
  bufferedBytes(): Iterable<number>;
  /** Events held per session while it syncs (replayed after `since`). */
  pendingEvents(): Iterable<number>;
}

// Per registry, so that gauges registered once read the sources of every gateway on it.
const sourcesOf = new WeakMap<Registry, OutgoingSource[]>();

// A registry shared by two gateways in one process (tests) gets each metric once.
function reuse<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** The gateway's Prometheus metrics (names are part of the operator's contract). */
export function gatewayMetrics(registry: Registry) {
  let sources = sourcesOf.get(registry);
  if (!sources) {
    sources = [];
    sourcesOf.set(registry, sources);
  }
  const all = sources;
  const r = [registry];
  const sumMax = (pick: (s: OutgoingSource) => Iterable<number>) => {
    let sum = 0;
    let max = 0;
    for (const src of all) {
      for (const n of pick(src)) {
        sum += n;
        if (n > max) max = n;
      }
    }
    return { sum, max };
  };
  return {
    connections: reuse(
      registry,
      'natter_gateway_connections',
      () =>
        new Gauge({ name: 'natter_gateway_connections', help: 'Open WebSocket connections', registers: r }),
    ),
    sessions: reuse(
      registry,
      'natter_gateway_sessions',
      () => new Gauge({ name: 'natter_gateway_sessions', help: 'Authenticated sessions', registers: r }),
    ),
    framesIn: reuse(
      registry,
      'natter_gateway_frames_in_total',
      () =>
        new Counter({
          name: 'natter_gateway_frames_in_total',
          help: 'Frames received, by op (valid frames only)',
          labelNames: ['op'],
          registers: r,
        }),
    ),
    framesOut: reuse(
      registry,
      'natter_gateway_frames_out_total',
      () =>
        new Counter({
          name: 'natter_gateway_frames_out_total',
          help: 'Frames sent to clients (replies and events)',
          registers: r,
        }),
    ),
    errors: reuse(
      registry,
      'natter_gateway_errors_total',
      () =>
        new Counter({
          name: 'natter_gateway_errors_total',
          help: 'Error replies by code',
          labelNames: ['code'],
          registers: r,
        }),
    ),
    sends: reuse(
      registry,
      'natter_gateway_sends_total',
      () =>
        new Counter({
          name: 'natter_gateway_sends_total',
          help: 'Messages accepted (stored)',
          labelNames: ['kind'],
          registers: r,
        }),
    ),
    deliveries: reuse(
      registry,
      'natter_gateway_deliveries_total',
      () =>
        new Counter({
          name: 'natter_gateway_deliveries_total',
          help: 'Stored messages received for local sessions',
          labelNames: ['kind'],
          registers: r,
        }),
    ),
    closes: reuse(
      registry,
      'natter_gateway_closes_total',
      () =>
        new Counter({
          name: 'natter_gateway_closes_total',
          help: 'Connections closed by the server, by close code (4009: slow client, 4008: rate limits)',
          labelNames: ['code'],
          registers: r,
        }),
    ),
    rateLimited: reuse(
      registry,
      'natter_gateway_rate_limited_total',
      () =>
        new Counter({
          name: 'natter_gateway_rate_limited_total',
          help: 'Requests refused or dropped by a rate limit, by bucket (requests, send, typing, user_send, http) and action (limited, dropped, closed)',
          labelNames: ['bucket', 'action'],
          registers: r,
        }),
    ),
    refusedConnections: reuse(
      registry,
      'natter_gateway_refused_connections_total',
      () =>
        new Counter({
          name: 'natter_gateway_refused_connections_total',
          help: 'WebSocket upgrades and hellos refused, by reason (origin, per_ip, per_user, busy: past the admission bound)',
          labelNames: ['reason'],
          registers: r,
        }),
    ),
    requestSeconds: reuse(
      registry,
      'natter_gateway_request_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_request_seconds',
          help: 'Time to answer a client request',
          labelNames: ['op'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
          registers: r,
        }),
    ),
    rpcSeconds: reuse(
      registry,
      'natter_gateway_rpc_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_rpc_seconds',
          help: 'NATS request/reply latency from the gateway to a service, by rpc and outcome (ok, the error code, or timeout: no reply in NATTER_REQUEST_TIMEOUT_MS, answered unavailable)',
          labelNames: ['rpc', 'outcome'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: r,
        }),
    ),
    outgoingBytes: reuse(
      registry,
      'natter_gateway_outgoing_buffered_bytes',
      () =>
        new Gauge({
          name: 'natter_gateway_outgoing_buffered_bytes',
          help: 'Bytes waiting in WebSocket send buffers at scrape time: sum over connections, and the largest one',
          labelNames: ['stat'],
          registers: r,
          collect() {
            const { sum, max } = sumMax((s) => s.bufferedBytes());
            this.set({ stat: 'sum' }, sum);
            this.set({ stat: 'max' }, max);
          },
        }),
    ),
    pendingEvents: reuse(
      registry,
      'natter_gateway_pending_events',
      () =>
        new Gauge({
          name: 'natter_gateway_pending_events',
          help: 'Events held for sessions still syncing at scrape time: sum over sessions, and the largest queue',
          labelNames: ['stat'],
          registers: r,
          collect() {
            const { sum, max } = sumMax((s) => s.pendingEvents());
            this.set({ stat: 'sum' }, sum);
            this.set({ stat: 'max' }, max);
          },
        }),
    ),
    admission: reuse(
      registry,
      'natter_gateway_admission_total',
      () =>
        new Counter({
          name: 'natter_gateway_admission_total',
          help: 'Backend-hitting requests and upgrades by admission outcome (admitted, queued, shed: refused at once, expired: waited too long)',
          labelNames: ['outcome'],
          registers: r,
        }),
    ),
    admissionWait: reuse(
      registry,
      'natter_gateway_admission_wait_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_admission_wait_seconds',
          help: 'Time a request waited in the admission line, by how the wait ended (queued: it ran, expired: refused)',
          labelNames: ['outcome'],
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
          registers: r,
        }),
    ),
    helloPhase: reuse(
      registry,
      'natter_gateway_hello_phase_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_hello_phase_seconds',
          help: 'Time of each phase of an admitted hello (auth, presence, rooms, flush, convs, replay), where a reconnect storm spends it',
          labelNames: ['phase'],
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
          registers: r,
        }),
    ),
    lookupBatch: reuse(
      registry,
      'natter_gateway_hello_batch_size',
      () =>
        new Histogram({
          name: 'natter_gateway_hello_batch_size',
          help: 'Users per batched hello lookup, by what was looked up (rooms, convs, presence)',
          labelNames: ['lookup'],
          buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
          registers: r,
        }),
    ),
    deliveryLag: reuse(
      registry,
      'natter_gateway_delivery_lag_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_delivery_lag_seconds',
          help: "Time from a live message's store (its ts, set by history) to its arrival at this gateway, by kind (room, dm)",
          labelNames: ['kind'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: r,
        }),
    ),
    fanoutSeconds: reuse(
      registry,
      'natter_gateway_fanout_seconds',
      () =>
        new Histogram({
          name: 'natter_gateway_fanout_seconds',
          help: "Time to hand one live message to this gateway's sessions of its conversation (the fanout loop), by kind (room, dm)",
          labelNames: ['kind'],
          buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
          registers: r,
        }),
    ),
    /** Adds what the outgoing gauges read at scrape time. */
    observe(source: OutgoingSource): void {
      all.push(source);
    },
  };
}
export type Metrics = ReturnType<typeof gatewayMetrics>;

/** An RpcClient that records each call's latency and outcome in `natter_gateway_rpc_seconds`. */
export class TimedRpcClient extends RpcClient {
  constructor(
    bus: Bus,
    subjects: Subjects,
    timeout: number,
    private readonly seconds: Metrics['rpcSeconds'],
  ) {
    super(bus, subjects, timeout);
  }

  override call<K extends RpcKey>(key: K, req: Rpc[K][0], opts: CallOptions = {}): Promise<Rpc[K][1]> {
    return this.timed(key, () => super.call(key, req, opts));
  }

  override callRaw<K extends RpcKey>(
    key: K,
    req: Rpc[K][0],
    opts: CallOptions = {},
  ): Promise<RawJson<Rpc[K][1]>> {
    return this.timed(key, () => super.callRaw(key, req, opts));
  }

  private async timed<T>(key: RpcKey, run: () => Promise<T>): Promise<T> {
    const end = this.seconds.startTimer({ rpc: key });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      // A timeout is answered `unavailable` like a shed request; told apart here, a storm's
      // join timeouts (a service too slow) are not mistaken for its shedding (a service protecting itself).
      const outcome =
        err instanceof NatterError
          ? err.cause instanceof BusTimeoutError
            ? 'timeout'
            : err.code
          : 'internal';
      end({ outcome });
      throw err;
    }
  }
}
