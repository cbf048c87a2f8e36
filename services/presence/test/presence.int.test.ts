import { type Bus, connectNatsBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { emit, type PresenceResyncEvent, RpcClient, type SessionRef, subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { createRedis, type RunningService, redisReady } from '@natter/service';
import { type NatsHandle, type RedisHandle, startNats, startRedis, stopAll, waitFor } from '@natter/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../src/redis-store.ts';
import { start } from '../src/start.ts';
import { Recorder } from './recorder.ts';

const NS = 'pint';
const config = loadConfig({
  NATTER_NAMESPACE: NS,
  NATTER_GATEWAY_HEARTBEAT_MS: '200',
  NATTER_REQUEST_TIMEOUT_MS: '2000',
});
const s = subjects(NS);
const log = createLogger({ name: 'presence-int', level: 'silent' });

/** Plays a gateway: heartbeats and re-announces its sessions on resync. */
class FakeGateway {
  private readonly timer: NodeJS.Timeout;
  private readonly resync;

  constructor(
    private readonly bus: Bus,
    private readonly rpc: RpcClient,
    readonly id: string,
    readonly sessions: SessionRef[],
  ) {
    this.resync = bus.subscribe(s.presenceResync, (msg) => {
      const ev = JSON.parse(new TextDecoder().decode(msg.data)) as PresenceResyncEvent;
      if (ev.gw === undefined || ev.gw === id) void this.announce().catch(() => {});
    });
    this.timer = setInterval(() => this.beat(), 100);
  }

  announce(): Promise<unknown> {
    return this.rpc.call('presenceConnect', { v: 1, gw: this.id, sessions: this.sessions });
  }

  private beat(): void {
    emit(this.bus, s, 'gwHeartbeat', { gw: this.id, sessions: this.sessions.length, interval: 100 });
  }

  close(): void {
    clearInterval(this.timer);
    this.resync.unsubscribe();
  }
}

describe('presence on NATS and Redis, two instances', () => {
  let nats: NatsHandle;
  let redis: RedisHandle;
  const buses: Bus[] = [];
  const clients: Redis[] = [];
  const services: RunningService[] = [];
  let bus: Bus;
  let rpc: RpcClient;
  let events: Recorder;
  let gateways: FakeGateway[] = [];

  beforeAll(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    for (let i = 0; i < 2; i++) {
      const b = await connectNatsBus({ servers: nats.url, name: `presence-${i}`, log });
      const r = createRedis(redis.url, log, { commandTimeoutMs: 500 });
      buses.push(b);
      clients.push(r);
      expect(await redisReady(r, 5000)).toBe(true);
      services.push(
        await start(config, { bus: b, log, store: new RedisPresenceStore(r, { namespace: NS }) }),
      );
    }
    bus = await connectNatsBus({ servers: nats.url, name: 'gateways', log });
    buses.push(bus);
    rpc = new RpcClient(bus, s, config.requestTimeoutMs);
    events = new Recorder(bus, `${NS}.presence.>`);
    await bus.flush();
  });

  afterAll(async () => {
    for (const gw of gateways) gw.close();
    events?.close();
    for (const svc of services) await svc.stop();
    for (const b of buses) await b.drain();
    for (const c of clients) c.disconnect();
    await stopAll();
  });

  it('registers the sessions gateways announce and answers who is online', async () => {
    const gA = new FakeGateway(bus, rpc, 'gA', [
      { session: 'a1', user: 'alice' },
      { session: 'c1', user: 'carol' },
    ]);
    const gB = new FakeGateway(bus, rpc, 'gB', [{ session: 'b1', user: 'bob' }]);
    gateways = [gA, gB];
    await bus.flush();
    await Promise.all(gateways.map((g) => g.announce()));

    const { presence } = await rpc.call('presenceQuery', { v: 1, users: ['alice', 'bob', 'eve'] });
    expect(presence.map((p) => p.online)).toEqual([true, true, false]);
  });

  it('fails fast while Redis is down and resyncs once when it comes back empty', async () => {
    const [gA, _gB] = gateways;
    const fullResyncs = () =>
      (events.of(s.presenceResync) as PresenceResyncEvent[]).filter((e) => e.gw === undefined).length;
    const before = fullResyncs();

    await redis.kill();
    const t0 = Date.now();
    const err = await rpc.call('presenceQuery', { v: 1, users: ['alice'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatterError);
    expect((err as NatterError).code).toBe('unavailable');
    expect(Date.now() - t0).toBeLessThan(config.requestTimeoutMs);
    await waitFor(() => services.every((svc) => !svc.ready()), { what: 'both instances unready' });

    const t1 = Date.now();
    const err2 = await gA.announce().catch((e: unknown) => e);
    expect((err2 as NatterError).code).toBe('unavailable');
    expect(Date.now() - t1).toBeLessThan(config.requestTimeoutMs);

    await redis.restart();
    await waitFor(() => fullResyncs() > before, {
      what: 'presenceResync after the restart',
      timeoutMs: 15_000,
    });
    await waitFor(() => services.every((svc) => svc.ready()), { what: 'both instances ready again' });

    // Gateways re-announced on the resync: presence knows them again.
    await waitFor(
      async () => {
        const { presence } = await rpc.call('presenceQuery', { v: 1, users: ['alice', 'bob'] });
        return presence.every((p) => p.online);
      },
      { what: 'sessions re-announced' },
    );

    // Both instances watch the marker; only one may have announced the loss.
    const settled = Date.now();
    await waitFor(() => Date.now() - settled > 5 * 200, { what: 'a few more sweeps' });
    expect(fullResyncs()).toBe(before + 1);
  });
});
