import {
  connect,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Status,
} from '@nats-io/transport-node';
import type { Logger } from '@natter/log';
import './nats-request-patch.ts';
import { HandlerTracker } from './handler-tracker.ts';
import { toBusError } from './nats-errors.ts';
import {
  LightSubscription,
  type LightTarget,
  type NatsInternals,
  natsInternals,
} from './nats-subscription.ts';
import { Outbox } from './outbox.ts';
import { SubjectTrie } from './subject-trie.ts';
import {
  type Bus,
  BusClosedError,
  BusError,
  type BusHandler,
  type BusMsg,
  type Headers,
  type PublishOptions,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './types.ts';

export interface NatsBusOptions {
  /** One server or several of one cluster: `nats://host:4222`, or `host:4222`. */
  servers: string | string[];
  /** The connection name the server shows in its monitoring (e.g. `history`). */
  name: string;
  /** Connection state changes are logged here: a disconnect is news for whoever is on call. */
  log: Logger;
  /**
   * This process's publishes reach its own plain subscriptions in process, not back over the
   * socket (NATS `no_echo`): a gateway that publishes a DM to a user it holds was woken a
   * second time by its own message coming back (docs/design.md, "A DM's path"). The
   * subscriptions of a queue group never see the process's own publishes or requests then:
   * for a process that does not serve what it sends.
   */
  localEcho?: boolean;
}

function toNatsHeaders(h: Headers | undefined): MsgHdrs | undefined {
  if (!h) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

/** One of this process's own publishes, handed to its own subscription (localEcho). */
class LocalMsg implements BusMsg {
  readonly reply = undefined;
  constructor(
    readonly subject: string,
    readonly data: Uint8Array,
    readonly headers: Headers | undefined,
  ) {}
  respond(): void {}
}

class NatsBusMsg implements BusMsg {
  private converted: Headers | undefined;

  constructor(
    private readonly msg: Msg,
    private readonly bus: NatsBus,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }
  get data(): Uint8Array {
    return this.msg.data;
  }
  get reply(): string | undefined {
    return this.msg.reply || undefined;
  }
  /** Converted on first read: most handlers never look at headers. */
  get headers(): Headers | undefined {
    if (this.converted === undefined && this.msg.headers) {
      const out: Headers = {};
      for (const [k, values] of this.msg.headers) if (values.length) out[k] = values[0];
      this.converted = out;
    }
    return this.converted;
  }

  respond(data: Uint8Array, opts?: { headers?: Headers }): void {
    if (this.msg.reply) this.bus.publish(this.msg.reply, data, opts);
  }
}

/** Bus over core NATS (nats.js v3). Reconnects forever; `ready` says whether it is connected. */
class NatsBus implements Bus, LightTarget {
  private readonly subs = new Set<LightSubscription>();
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly handlers = new HandlerTracker();
  /** Publishes and requests leave once per event-loop turn, together (outbox.ts). */
  private readonly outbox = new Outbox();
  private connected = true;
  private draining: Promise<void> | undefined;
  /** With localEcho: the plain subscriptions, to find those of an own publish. */
  private readonly local: SubjectTrie<LightSubscription> | undefined;
  /** The round trip the flushes of this event-loop turn share (see flush). */
  private nextFlush: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly internals: NatsInternals,
    private readonly log: Logger,
    localEcho: boolean,
  ) {
    this.local = localEcho ? new SubjectTrie() : undefined;
    this.watchStatus().catch((err: unknown) =>
      this.log.error({ err }, 'stopped watching NATS connection status'),
    );
  }

  get ready(): boolean {
    return this.connected && !this.draining && !this.nc.isClosed();
  }

  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    // What nats.js would refuse at once is refused here, before queueing.
    if (this.nc.isClosed()) throw new BusClosedError(`publish to ${subject}: the NATS connection is closed`);
    const max = this.nc.info?.max_payload;
    if (max !== undefined && data.length > max) {
      throw new BusError(
        `publish to ${subject}: ${data.length} bytes is over the server's max_payload (${max})`,
      );
    }
    const headers = toNatsHeaders(opts?.headers);
    this.outbox.add(() => {
      try {
        // While disconnected nats.js buffers this and sends it on reconnect.
        this.nc.publish(subject, data, { headers });
      } catch (err) {
        // Closed between the call and the end of its turn: at most once, like every other publish.
        this.log.warn({ err: toBusError(err, `publish to ${subject}`) }, 'NATS publish dropped');
      }
      // In the same turn, after the network's copy: in publish order, like the server's echo.
      if (this.local) {
        for (const sub of this.local.match(subject)) {
          if (this.subs.has(sub)) this.handlers.run(sub.handler, new LocalMsg(subject, data, opts?.headers));
        }
      }
    });
  }

  subscribe(subject: string, handler: BusHandler, opts?: SubscribeOptions): Subscription {
    if (this.draining) throw new BusClosedError(`subscribe to ${subject}: the bus is draining`);
    const sub = new LightSubscription(this.internals.protocol, subject, opts?.queue, handler, this);
    try {
      this.internals._check(subject, true, false);
      // A callback subscription gets messages in order as they are parsed, and we do not
      // await the handler: the contract lets a service work on many messages at once.
      this.internals.protocol.subscribe(sub);
    } catch (err) {
      throw toBusError(err, `subscribe to ${subject}`);
    }
    this.subs.add(sub);
    if (!opts?.queue) this.local?.add(subject, sub);
    return sub;
  }

  onMessage(msg: Msg, sub: LightSubscription): void {
    this.handlers.run(sub.handler, new NatsBusMsg(msg, this));
  }

  onEnd(err: Error, sub: LightSubscription): void {
    this.log.warn(
      { err, subject: sub.subject },
      'NATS ended a subscription; its messages are no longer received',
    );
    this.forget(sub);
  }

  forget(sub: LightSubscription): void {
    this.subs.delete(sub);
    if (!sub.queue) this.local?.remove(sub.subject, sub);
  }

  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<BusMsg> {
    if (this.nc.isClosed()) {
      return Promise.reject(new BusClosedError(`request to ${subject}: the NATS connection is closed`));
    }
    const headers = toNatsHeaders(opts.headers);
    return new Promise<BusMsg>((resolve, reject) => {
      this.outbox.add(() => {
        const fail = (err: unknown) => reject(toBusError(err, `request to ${subject}`));
        try {
          this.nc
            .request(subject, data, { timeout: opts.timeout, headers })
            .then((msg) => resolve(new NatsBusMsg(msg, this)), fail);
        } catch (err) {
          fail(err);
        }
      });
    });
  }

  /**
   * The flushes of one event-loop turn share one PING: the server answers it after everything
   * written before it, so it covers every caller whose writes went out first. A reconnect
   * storm's hellos each flush their subscriptions (5,000 round trips to the broker, a write
   * and a PONG to parse each, for one gateway's storm); batched, they are a few dozen.
   */
  async flush(): Promise<void> {
    this.outbox.flush();
    this.nextFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      // Callers from here on wrote after this PING: they need the next one.
      this.nextFlush = undefined;
      return this.nc.flush();
    });
    try {
      await this.nextFlush;
    } catch (err) {
      throw toBusError(err, 'flush');
    }
  }

  drain(): Promise<void> {
    if (this.nc.isClosed()) return Promise.resolve();
    this.draining ??= this.doDrain();
    return this.draining;
  }

  private async doDrain(): Promise<void> {
    const subs = [...this.subs];
    this.subs.clear();
    if (this.connected) {
      // Stops new messages at the server and delivers those already received.
      await Promise.all(subs.map((s) => s.drain().catch(() => undefined)));
    } else {
      // A drain needs a round trip to the server; with none, waiting could last forever.
      for (const s of subs) s.unsubscribe();
    }
    // Handlers still running may answer requests or publish: the connection stays up for them.
    await this.handlers.idle();
    this.outbox.flush();
    try {
      if (this.connected) await this.nc.drain();
      else await this.nc.close();
    } catch (err) {
      if (!this.nc.isClosed()) throw toBusError(err, 'drain');
    }
    this.log.info('NATS connection drained and closed');
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) this.onStatus(s);
  }

  private onStatus(s: Status): void {
    switch (s.type) {
      case 'disconnect':
        this.connected = false;
        this.log.warn(
          { server: s.server },
          'disconnected from NATS; reconnecting, requests fail until then and publishes are buffered',
        );
        break;
      case 'reconnecting':
        this.connected = false;
        this.log.debug('trying to reconnect to NATS');
        break;
      case 'reconnect':
        this.connected = true;
        this.log.info({ server: s.server }, 'reconnected to NATS');
        // The resubscriptions were sent with the reconnect; flush so the server has them
        // before listeners compare positions, or a message in between would be missed twice.
        this.nc
          .flush()
          .catch(() => undefined)
          .then(() => {
            for (const l of this.reconnectListeners) l();
          });
        break;
      case 'staleConnection':
        this.log.warn('NATS connection is stale (no pong); reconnecting');
        break;
      case 'ldm':
        this.log.warn({ server: s.server }, 'NATS server is entering lame duck mode; will move to another');
        break;
      case 'slowConsumer':
        this.log.warn(
          { subject: s.sub.getSubject(), pending: s.pending },
          'slow consumer: NATS messages are piling up for this subscription',
        );
        break;
      case 'error':
        this.log.error({ err: s.error }, 'NATS reported an error');
        break;
      case 'close':
        this.connected = false;
        if (!this.draining) this.log.error('NATS connection closed; this process can no longer use the bus');
        break;
      default:
        break;
    }
  }
}

/**
 * Connects to NATS and waits (retrying) until the first connection succeeds; after that it
 * reconnects forever, resubscribing and sending what was published meanwhile.
 */
export async function connectNatsBus(opts: NatsBusOptions): Promise<Bus> {
  const servers = Array.isArray(opts.servers) ? opts.servers : [opts.servers];
  opts.log.info({ servers }, 'connecting to NATS (waiting until it is reachable)');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: opts.name,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: 500,
      // nats.js otherwise captures a stack (new Error) on every request for its error
      // messages; on the hot path that was ~5% of a gateway's CPU. Our errors name the
      // subject and the trace id instead.
      noAsyncTraces: true,
      noEcho: opts.localEcho === true,
    });
  } catch (err) {
    throw new BusError(`could not connect to NATS at ${servers.join(',')}`, { cause: err });
  }
  const internals = natsInternals(nc);
  if (!internals) {
    await nc.close().catch(() => undefined);
    throw new BusError('this nats.js has not the protocol handler libs/bus/src/nats-subscription.ts expects');
  }
  opts.log.info({ server: nc.getServer() }, 'connected to NATS');
  return new NatsBus(nc, internals, opts.log, opts.localEcho === true);
}
