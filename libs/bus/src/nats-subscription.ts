import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { BusHandler, Subscription } from './types.ts';

/**
 * What nats.js 3.4's protocol handler needs of a subscription, and what it offers to take
 * one. `nc.subscribe` builds a `SubscriptionImpl`, an async iterator with three deferred
 * promises and some thirty fields even when it only has a callback: ~1.9 KiB of heap each
 * (bench/README.md), and a gateway holds one per online user. `LightSubscription` is the
 * same subscription to the protocol (it sends the same SUB, is resent on reconnect, counted,
 * unsubscribed and drained the same way) at a tenth of that. test/nats-subscription.test.ts
 * fails if a nats.js upgrade changes the shape relied on here.
 */
export interface NatsProtocol {
  subscribe(s: LightSubscription): void;
  unsubscribe(s: LightSubscription, max?: number): void;
  unsub(s: LightSubscription, max?: number): void;
  flush(p?: unknown): Promise<void>;
  isClosed(): boolean;
  subscriptions: { cancel(s: LightSubscription): void };
}

export interface NatsInternals {
  protocol: NatsProtocol;
  /** Throws what `nc.subscribe` would throw: a closed or draining connection, a bad subject. */
  _check(subject: string, sub: boolean, pub: boolean): void;
}

/** The nats.js internals, or undefined when this nats.js does not have the expected shape. */
export function natsInternals(nc: NatsConnection): NatsInternals | undefined {
  const i = nc as unknown as Partial<NatsInternals>;
  const p = i.protocol;
  if (typeof i._check !== 'function' || !p) return undefined;
  const ok = ['subscribe', 'unsubscribe', 'unsub', 'flush', 'isClosed'].every(
    (m) => typeof (p as unknown as Record<string, unknown>)[m] === 'function',
  );
  return ok && typeof p.subscriptions?.cancel === 'function' ? (i as NatsInternals) : undefined;
}

/**
 * The bus behind every subscription (one object, not a closure per subscription): told of
 * each message, and once with an error when the server ended the subscription.
 */
export interface LightTarget {
  onMessage(msg: Msg, sub: LightSubscription): void;
  onEnd(err: Error, sub: LightSubscription): void;
  /** The subscription was unsubscribed: the bus no longer drains it. */
  forget(sub: LightSubscription): void;
}

/** A callback subscription with only the fields nats.js's protocol handler reads and writes. */
export class LightSubscription implements Subscription {
  /** Set by the protocol (Subscriptions.add, and again on each reconnect). */
  sid = 0;
  /** Counted by the protocol; `max` stays unset (no auto-unsubscribe). */
  received = 0;
  max: number | undefined;
  private done = false;
  private drained: Promise<void> | undefined;

  constructor(
    private readonly protocol: NatsProtocol,
    readonly subject: string,
    readonly queue: string | undefined,
    readonly handler: BusHandler,
    private readonly target: LightTarget,
  ) {}

  /** The protocol's delivery, and its error report (with an empty message). */
  callback(err: Error | null, msg: Msg): void {
    if (err) this.target.onEnd(err, this);
    else if (!this.done) this.target.onMessage(msg, this);
  }

  /** The protocol is done with it (unsubscribed, or the connection closed). */
  close(): void {
    this.done = true;
  }

  isClosed(): boolean {
    return this.done;
  }

  unsubscribe(): void {
    this.target.forget(this);
    if (this.done || this.protocol.isClosed()) {
      this.done = true;
      return;
    }
    this.protocol.unsubscribe(this);
  }

  /** Stops new messages at the server; resolves once those already sent have arrived. */
  drain(): Promise<void> {
    if (this.done || this.protocol.isClosed()) return Promise.resolve();
    this.drained ??= (async () => {
      this.protocol.unsub(this);
      await this.protocol.flush().catch(() => undefined);
      this.protocol.subscriptions.cancel(this);
    })();
    return this.drained;
  }
}
