import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Bus, Subscription } from '@natter/bus';
import { type GatewayConfig, requireAuthChoice } from '@natter/config';
import { emit, on, type RpcClient, type Subjects, subjects } from '@natter/contracts';
import { type Logger, randomBase64url } from '@natter/log';
import { CloseCode, parseConv } from '@natter/protocol';
import type { Registry as PromRegistry } from 'prom-client';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { Authenticator } from './auth.ts';
import type { GatewayContext, MessageLog } from './context.ts';
import { deliverPresence, inDm } from './events.ts';
import { HelloLookups } from './hello-lookups.ts';
import { Guard } from './limits/guard.ts';
import { checkMemberships } from './membership.ts';
import { gatewayMetrics, type Metrics, TimedRpcClient } from './metrics.ts';
import { Ordering } from './ordering.ts';
import { type Periodic, periodic } from './periodic.ts';
import { checkPositions } from './position-check.ts';
import { Registry } from './registry.ts';
import { Requests } from './requests.ts';
import { Session, type SessionLimits } from './session.ts';
import { SessionSocket, socketListeners } from './socket.ts';
import { Subscriptions } from './subscriptions.ts';

/** Bounds of the reconnect spread a draining gateway asks for. */
const MIN_SPREAD_MS = 1000;
const MAX_SPREAD_MS = 60_000;
/** Heartbeat slots are this long: a connection's pings come every NATTER_HEARTBEAT_SEC, in its slot. */
const HEARTBEAT_TICK_MS = 1000;

export interface GatewayParts {
  bus: Bus;
  log: Logger;
  registry: PromRegistry;
  /**
   * The launcher already told the person about open mode (single-node's banner, where open
   * mode is the default): the gateway's own line is then info, not a warning on every start.
   */
  openModeAnnounced?: boolean;
  /**
   * History's handlers in this process (libs/messages startLocalLog): the DMs this gateway's
   * sessions send are appended and the pages they read are read here; without it both go
   * to history like every other request.
   */
  messageLog?: MessageLog;
}

/**
 * The WebSocket edge: connections and sessions, the bus subscriptions that deliver to them,
 * heartbeats and drain. A frame's way to its op's handler and back is requests.ts; HTTP
 * routing lives in http.ts; this class owns everything else behind `GET /ws`.
 */
export class Gateway implements GatewayContext {
  readonly id: string;
  readonly subjects: Subjects;
  readonly rpc: RpcClient;
  readonly auth: Authenticator;
  readonly registry: Registry;
  readonly ordering: Ordering;
  readonly metrics: Metrics;
  readonly wss: WebSocketServer;
  readonly log: Logger;
  readonly bus: Bus;
  readonly guard: Guard;
  readonly lookups: HelloLookups;
  readonly messageLog?: MessageLog;
  private readonly requests: Requests;
  private readonly subscriptions: Subscriptions;
  private readonly checks: Periodic[] = [];
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private draining = false;
  /** One slot per second of the heartbeat interval; connections take them in turn. */
  private readonly heartbeatSlots: number;
  private nextHeartbeatSlot = 0;
  private heartbeatTick = 0;
  private readonly sessionLimits: SessionLimits;
  private readonly openModeAnnounced: boolean;

  constructor(
    readonly config: GatewayConfig,
    parts: GatewayParts,
  ) {
    this.id = config.gatewayId ?? `gw-${randomBytes(4).toString('hex')}`;
    this.heartbeatSlots = Math.max(1, Math.round((config.heartbeatSec * 1000) / HEARTBEAT_TICK_MS));
    this.bus = parts.bus;
    this.openModeAnnounced = parts.openModeAnnounced === true;
    this.messageLog = parts.messageLog;
    this.log = parts.log.child({ gw: this.id });
    this.subjects = subjects(config.namespace);
    this.metrics = gatewayMetrics(parts.registry);
    this.sessionLimits = {
      maxBufferedBytes: config.maxBufferedBytes,
      maxPendingEvents: config.maxPendingEvents,
      framesOut: this.metrics.framesOut,
      onSlow: (slow) => this.closeSession(slow, CloseCode.SlowConsumer, 'slow_consumer'),
    };
    this.rpc = new TimedRpcClient(this.bus, this.subjects, config.requestTimeoutMs, this.metrics.rpcSeconds);
    this.lookups = new HelloLookups(this.rpc, {
      gw: this.id,
      maxBatch: config.helloBatchMax,
      onBatch: (lookup, size) => this.metrics.lookupBatch.observe({ lookup }, size),
      log: this.log,
    });
    requireAuthChoice(config);
    this.auth = new Authenticator({
      open: config.authMode === 'open',
      maxAgeSec: config.jwtMaxAgeSec,
      jwtSecret: config.jwtSecret,
      jwtPublicKey: config.jwtPublicKey,
      jwksUrl: config.jwksUrl,
      jwksCooldownMs: config.jwksCooldownMs,
      audience: config.jwtAudience,
      issuer: config.jwtIssuer,
      namespace: config.namespace,
      tokenTtlSec: config.tokenTtlSec,
      log: this.log.child({ module: 'auth' }),
    });
    this.guard = new Guard(config, {
      log: this.log,
      metrics: this.metrics,
      close: (s, code, why) => this.closeSession(s, code, why),
    });
    this.requests = new Requests(this);
    this.subscriptions = new Subscriptions(this.bus, this.subjects, this.log, this);
    this.registry = new Registry(this.subscriptions);
    this.ordering = new Ordering({
      reorderWaitMs: config.reorderWaitMs,
      fetch: (conv, after, user) => this.rpc.call('historyChanges', { v: 1, user, conv, after }),
      sessionsOf: (conv) => this.sessionsOfConv(conv),
      // A thread's receivers are its parent's.
      mayReceive: (s, conv) => {
        const c = parseConv(conv);
        return c?.kind === 'room' ? this.registry.isMember(s.user, c.room) : inDm(conv, s.user);
      },
      resync: (s, why) => this.closeSession(s, CloseCode.Draining, 'resync', true, why),
      onError: (err, conv) => this.log.warn({ err, conv }, 'could not fetch a gap from history; will retry'),
    });
    this.wss = new WebSocketServer({
      WebSocket: SessionSocket,
      noServer: true,
      maxPayload: config.maxFrameBytes,
      perMessageDeflate: false,
    });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  async start(): Promise<void> {
    await this.auth.ready();
    const s = this.subjects;
    this.subs.push(
      on(this.bus, s, 'presenceChanged', this.log, (e) => deliverPresence(this, e)),
      on(this.bus, s, 'presenceResync', this.log, (e) => {
        if (!e.gw || e.gw === this.id) return this.reannounce();
      }),
    );
    await this.bus.flush();
    this.heartbeat();
    this.timers.push(
      setInterval(() => this.heartbeat(), this.config.gatewayHeartbeatMs),
      setInterval(() => this.checkConnections(), HEARTBEAT_TICK_MS),
      setInterval(() => this.ordering.sweep(60_000), 30_000),
    );
    let afterReconnect = false;
    const positions = periodic('position check', this.config.positionCheckSec * 1000, this.log, () => {
      const all = afterReconnect;
      afterReconnect = false;
      return checkPositions(this.rpc, this.registry, this.ordering, !all);
    });
    this.checks.push(
      positions,
      periodic('membership check', this.config.membershipCheckSec * 1000, this.log, () =>
        checkMemberships(this.rpc, this.registry),
      ),
    );
    // What was in flight when the broker connection went is gone: compare positions at once.
    this.bus.onReconnect(() => {
      afterReconnect = true;
      void positions.runNow();
    });
    if (this.auth.openMode) {
      const line = 'OPEN MODE (NATTER_AUTH=open): anyone can sign in as anyone';
      if (this.openModeAnnounced) this.log.info(line);
      else this.log.warn(line);
    }
  }

  get sessionCount(): number {
    return this.registry.sessions.size;
  }

  // ---- connections ----

  handleUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    if (this.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    const refused = this.guard.refuseUpgrade(req);
    if (refused) return void socket.end(refused);
    // Past the admission bound a new connection would only wait behind the others' hellos.
    const retryAfter = this.requests.refuseUpgrade(this.wss.clients.size - this.registry.sessions.size);
    if (retryAfter !== undefined) {
      this.metrics.refusedConnections.inc({ reason: 'busy' });
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfter}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const s = new Session(
      // From the pooled CSPRNG: a storm makes thousands of these a second.
      `s_${randomBase64url(12)}`,
      ws,
      req.socket.remoteAddress ?? '',
      this.sessionLimits,
    );
    this.metrics.connections.inc();
    this.guard.track(s, req);
    this.requests.armHelloTimer(s);
    s.heartbeatSlot = this.nextHeartbeatSlot++ % this.heartbeatSlots;
    // The listeners are the gateway's, shared by every connection; they find the session
    // on the socket (SessionSocket). Per-connection closures cost memory per idle connection.
    (ws as SessionSocket).session = s;
    ws.on('message', this.socketListeners.message);
    ws.on('pong', this.socketListeners.pong);
    ws.on('error', this.socketListeners.error);
    ws.on('close', this.socketListeners.close);
  }

  private readonly socketListeners = socketListeners(this);

  /** The socket closed: nothing of the session stays. */
  onSocketClose(s: Session): void {
    clearTimeout(s.helloTimer);
    s.helloTimer = undefined;
    this.metrics.connections.dec();
    this.guard.untrack(s);
    this.forget(s);
  }

  forget(s: Session): void {
    const wasAuthenticated = this.registry.sessions.has(s.id);
    s.state = 'closed';
    this.guard.forget(s);
    this.registry.removeSession(s);
    if (wasAuthenticated) {
      this.metrics.sessions.dec();
      emit(this.bus, this.subjects, 'presenceDisconnect', {
        gw: this.id,
        sessions: [{ session: s.id, user: s.user }],
      });
    }
  }

  /** `reason` is the `bye` reason (a stable token); `detail` goes in the close frame and log. */
  closeSession(s: Session, code: CloseCode, reason: string, reconnect = true, detail?: string): void {
    if (s.state === 'closed') return;
    this.metrics.closes.inc({ code });
    this.log.info({ session: s.id, user: s.user || undefined, code, reason, detail }, 'closing connection');
    s.close(code, reason, reconnect, detail, this.draining ? this.reconnectSpreadMs() : undefined);
    this.forget(s);
  }

  onFrame(s: Session, data: RawData, isBinary: boolean): void {
    this.requests.onFrame(s, data, isBinary);
  }

  /** How long a draining gateway's clients should spread their reconnects over (NATTER_RECONNECT_RATE). */
  private reconnectSpreadMs(): number {
    const ms = (this.registry.sessions.size / this.config.reconnectRate) * 1000;
    return Math.round(Math.min(MAX_SPREAD_MS, Math.max(MIN_SPREAD_MS, ms)));
  }

  async greet(s: Session): Promise<void> {
    await this.lookups.connect({ session: s.id, user: s.user });
  }

  // ---- bus events ----

  private sessionsOfConv(conv: string): Iterable<Session> {
    const c = parseConv(conv);
    if (!c) return [];
    if (c.kind === 'room') return this.registry.sessionsInRoom(c.room);
    const [a, b] = c.users;
    return a === b
      ? this.registry.sessionsOfUser(a)
      : [...this.registry.sessionsOfUser(a), ...this.registry.sessionsOfUser(b)];
  }

  /** Presence lost its state (Redis restarted empty): announce every session again. */
  private async reannounce(): Promise<void> {
    const all = [...this.registry.sessions.values()].map((s) => ({ session: s.id, user: s.user }));
    this.log.warn({ sessions: all.length }, 'presence asked for a resync; re-announcing sessions');
    this.heartbeat();
    for (let i = 0; i < all.length; i += 500) {
      await this.rpc.call('presenceConnect', { v: 1, gw: this.id, sessions: all.slice(i, i + 500) });
    }
  }

  private heartbeat(): void {
    emit(this.bus, this.subjects, 'gwHeartbeat', {
      gw: this.id,
      sessions: this.registry.sessions.size,
      interval: this.config.gatewayHeartbeatMs,
    });
  }

  /**
   * WebSocket pings, dead-peer detection and token expiry: each connection once per heartbeat
   * interval, in its own slot of it (one slot per HEARTBEAT_TICK_MS). Pinging every connection
   * at one moment was a burst of 16,700 writes (and as many pongs back) per gateway every 25 s
   * in the storm bench, which delayed whatever arrived meanwhile (a room message's fanout).
   */
  private checkConnections(): void {
    const slot = this.heartbeatTick++ % this.heartbeatSlots;
    const now = Date.now();
    const deadline = 2 * this.config.heartbeatSec * 1000;
    for (const ws of this.wss.clients) {
      const s = (ws as SessionSocket).session;
      if (s.heartbeatSlot !== slot) continue;
      ws.ping();
      if (!this.registry.sessions.has(s.id)) continue;
      if (now - s.lastPong > deadline + 1000) {
        s.ws.terminate();
      } else if (s.tokenExp !== undefined && s.tokenExp * 1000 <= now) {
        this.closeSession(s, CloseCode.Unauthenticated, 'token_expired');
      }
    }
  }

  get ready(): boolean {
    return this.bus.ready && !this.draining;
  }

  /** Stops accepting, says bye to every session (4010), waits for in-flight requests. */
  async drain(timeoutMs = 10_000): Promise<void> {
    this.draining = true;
    for (const t of this.timers) clearInterval(t);
    for (const c of this.checks) c.stop();
    for (const s of [...this.registry.sessions.values()])
      this.closeSession(s, CloseCode.Draining, 'draining');
    for (const ws of this.wss.clients) ws.close(CloseCode.Draining, 'draining');
    const deadline = Date.now() + timeoutMs;
    while (this.requests.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const sub of this.subs) sub.unsubscribe();
    this.subscriptions.close();
    this.ordering.stop();
    await this.guard.close();
    await this.bus.flush().catch(() => undefined);
    this.wss.close();
  }
}
