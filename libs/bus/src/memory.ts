import { randomBytes } from 'node:crypto';
import { HandlerTracker } from './handler-tracker.ts';
import { MemoryBroker, type MemoryEndpoint, type MemorySub } from './memory-broker.ts';
import { checkPublishSubject } from './subject-trie.ts';
import {
  type Bus,
  BusClosedError,
  type BusHandler,
  type BusMsg,
  BusNoRespondersError,
  BusTimeoutError,
  type Headers,
  type PublishOptions,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './types.ts';

class MemoryMsg implements BusMsg {
  constructor(
    readonly subject: string,
    readonly data: Uint8Array,
    readonly headers: Headers | undefined,
    readonly reply: string | undefined,
    private readonly conn: MemoryBus,
  ) {}

  respond(data: Uint8Array, opts?: { headers?: Headers }): void {
    if (this.reply !== undefined) this.conn.publish(this.reply, data, opts);
  }
}

interface PendingRequest {
  readonly sub: MemorySub;
  readonly timer: NodeJS.Timeout;
  reject(err: Error): void;
}

/**
 * The in-process bus of single-node mode and unit tests, with the semantics of core NATS
 * (see Bus). A `new MemoryBus()` is one connection to a fresh in-process broker;
 * `connect()` opens another connection to the same broker, so each service of a process
 * can drain its own connection, and tests can have two parties as with a real server.
 * Payloads are passed by reference, not copied: a receiver must not mutate them.
 */
export class MemoryBus implements Bus, MemoryEndpoint {
  private readonly broker: MemoryBroker;
  private readonly subs = new Set<MemorySub>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly handlers = new HandlerTracker();
  private readonly inboxPrefix = `_INBOX.${randomBytes(8).toString('hex')}.`;
  private nextInbox = 0;
  private draining: Promise<void> | undefined;
  private closed = false;

  /** `broker` is internal: use `connect()` to share one. */
  constructor(broker?: MemoryBroker) {
    this.broker = broker ?? new MemoryBroker();
  }

  /** Another connection to the same in-process broker. */
  connect(): MemoryBus {
    return new MemoryBus(this.broker);
  }

  get ready(): boolean {
    return !this.draining && !this.closed;
  }

  /** An in-process connection is never lost: the listener is never called. */
  onReconnect(_listener: () => void): void {}

  /** Messages published and handler calls made, over every connection of this broker. */
  stats(): { published: number; delivered: number } {
    return { published: this.broker.published, delivered: this.broker.delivered };
  }

  /** Whether any connection of this broker subscribes to `subject` now (a test's wait for an unsubscribe). */
  hasSubscribers(subject: string): boolean {
    return this.broker.hasSubscribers(subject);
  }

  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    this.assertOpen();
    checkPublishSubject(subject);
    this.broker.publish(subject, data, opts?.headers);
  }

  subscribe(subject: string, handler: BusHandler, opts?: SubscribeOptions): Subscription {
    this.assertOpen();
    if (this.draining) throw new BusClosedError('bus is draining: no new subscriptions');
    const sub: MemorySub = { subject, queue: opts?.queue, handler, owner: this, state: 'active' };
    this.broker.add(sub);
    this.subs.add(sub);
    return {
      subject,
      unsubscribe: () => {
        if (sub.state === 'active') this.broker.remove(sub);
        sub.state = 'closed';
        this.subs.delete(sub);
      },
    };
  }

  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<BusMsg> {
    try {
      this.assertOpen();
      checkPublishSubject(subject);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.broker.hasSubscribers(subject)) {
      return Promise.reject(new BusNoRespondersError(`no responders for ${subject}`));
    }
    const inbox = this.inboxPrefix + this.nextInbox++;
    return new Promise<BusMsg>((resolve, reject) => {
      const done = () => {
        clearTimeout(p.timer);
        p.sub.state = 'closed';
        this.broker.removeInbox(p.sub);
        this.pending.delete(inbox);
      };
      const sub: MemorySub = {
        subject: inbox,
        queue: undefined,
        handler: (msg) => {
          done();
          resolve(msg);
        },
        owner: this,
        state: 'active',
      };
      const timer = setTimeout(() => {
        done();
        reject(new BusTimeoutError(`request to ${subject} timed out after ${opts.timeout} ms`));
      }, opts.timeout);
      const p: PendingRequest = {
        sub,
        timer,
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.pending.set(inbox, p);
      this.broker.addInbox(sub);
      this.broker.publish(subject, data, opts.headers, inbox);
    });
  }

  async flush(): Promise<void> {
    this.assertOpen();
  }

  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.draining ??= this.doDrain();
    return this.draining;
  }

  deliver(sub: MemorySub, subject: string, data: Uint8Array, headers?: Headers, reply?: string): void {
    this.handlers.run(sub.handler, new MemoryMsg(subject, data, headers, reply, this));
  }

  private async doDrain(): Promise<void> {
    for (const sub of this.subs) {
      this.broker.remove(sub);
      sub.state = 'draining';
    }
    // Messages routed before the drain sit in earlier microtasks: let them be delivered.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    await this.handlers.idle();
    for (const sub of this.subs) sub.state = 'closed';
    this.subs.clear();
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new BusClosedError('bus closed before the reply came'));
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError('bus is closed');
  }
}
