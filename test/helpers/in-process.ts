import type {
  Bus,
  BusHandler,
  BusMsg,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from '@natter/bus';
import { MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { type RunningGateway, start as startGateway } from '@natter/gateway';
import { start as startHistory } from '@natter/history';
import { createLogger } from '@natter/log';
import { MemoryMessageStore } from '@natter/messages';
import { MemoryPresenceStore, start as startPresence } from '@natter/presence';
import { MemoryRoomStore, start as startRooms } from '@natter/rooms';
import { Registry } from 'prom-client';
import { RawClient } from './ws-client.ts';

/**
 * A bus connection that can lose what it publishes, as core NATS may (a broker restart, a
 * connection lost and back): `drop(pred)` drops every publish whose subject matches until
 * `heal()`. Everything else goes to the real in-process bus.
 */
export class LossyBus implements Bus {
  private dropping: ((subject: string) => boolean) | undefined;
  dropped = 0;

  constructor(private readonly inner: Bus) {}

  drop(pred: (subject: string) => boolean): void {
    this.dropping = pred;
  }

  heal(): void {
    this.dropping = undefined;
  }

  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void {
    if (this.dropping?.(subject)) {
      this.dropped++;
      return;
    }
    this.inner.publish(subject, data, opts);
  }
  subscribe(subject: string, handler: BusHandler, opts?: SubscribeOptions): Subscription {
    return this.inner.subscribe(subject, handler, opts);
  }
  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<BusMsg> {
    return this.inner.request(subject, data, opts);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  drain(): Promise<void> {
    return this.inner.drain();
  }
  get ready(): boolean {
    return this.inner.ready;
  }
  onReconnect(listener: () => void): void {
    this.inner.onReconnect(listener);
  }
}

export interface InProcessCluster {
  /** The broker every part is connected to (for its message counts). */
  broker: MemoryBus;
  gateways: (RunningGateway & { url: string })[];
  /** History's own bus connection: make it lose publishes to test the repair paths. */
  historyBus: LossyBus;
  hello(gw: number, user: string): Promise<RawClient>;
  stop(): Promise<void>;
}

/**
 * Several gateways and every service in this process, on one MemoryBus (NATS semantics) with
 * in-memory stores: the delivery rules across gateways, in milliseconds. The real-part
 * integration tests (*.int.test.ts) cover the same paths on NATS, Redis and Postgres.
 */
export async function startInProcess(
  opts: { gateways?: number; env?: Record<string, string> } = {},
): Promise<InProcessCluster> {
  const config = loadConfig({
    NATTER_AUTH: 'open',
    NATTER_NAMESPACE: 'inproc',
    PORT: '0',
    LOG_LEVEL: 'silent',
    NATTER_REQUEST_TIMEOUT_MS: '2000',
    ...opts.env,
  });
  const log = createLogger({ name: 'in-process', level: 'silent' });
  const broker = new MemoryBus();
  const historyBus = new LossyBus(broker.connect());
  const services = [
    await startHistory(config, {
      bus: historyBus,
      log,
      store: new MemoryMessageStore(),
      registry: new Registry(),
    }),
    await startRooms(config, {
      bus: broker.connect(),
      log,
      store: new MemoryRoomStore(),
      registry: new Registry(),
    }),
    await startPresence(config, {
      bus: broker.connect(),
      log,
      store: new MemoryPresenceStore(),
      registry: new Registry(),
    }),
  ];
  const gateways: InProcessCluster['gateways'] = [];
  for (let i = 0; i < (opts.gateways ?? 3); i++) {
    const gw = await startGateway(
      { ...config, gatewayId: `gw-${i + 1}` },
      { bus: broker.connect(), log, registry: new Registry() },
    );
    gateways.push(Object.assign(gw, { url: `ws://127.0.0.1:${gw.port}/ws` }));
  }
  const clients: RawClient[] = [];
  return {
    broker,
    gateways,
    historyBus,
    async hello(gw, user) {
      const { client } = await RawClient.hello(gateways[gw].url, { user });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.close();
      for (const g of gateways) await g.stop();
      for (const s of services) await s.stop();
      await broker.drain();
    },
  };
}
