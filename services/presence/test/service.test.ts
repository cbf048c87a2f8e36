import { MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import {
  emit,
  type PresenceChangedEvent,
  type PresenceResyncEvent,
  RpcClient,
  type SessionRef,
  subjects,
} from '@natter/contracts';
import { createLogger } from '@natter/log';
import { dmConv, type MessageView, NatterError } from '@natter/protocol';
import type { RunningService } from '@natter/service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/memory-store.ts';
import { start } from '../src/start.ts';
import { type PresenceStore, PresenceStoreError } from '../src/store.ts';
import { Recorder, until } from './recorder.ts';

const config = loadConfig({ NATTER_NAMESPACE: 't', NATTER_GATEWAY_HEARTBEAT_MS: '100' });
const s = subjects('t');
const log = createLogger({ name: 'presence-test', level: 'silent' });
const ref = (session: string, user: string): SessionRef => ({ session, user });

function _message(from: string, to: string, seq = 1): MessageView {
  return {
    conv: dmConv(from, to),
    seq,
    ver: seq,
    mid: `m${seq}`,
    from,
    ts: new Date().toISOString(),
    text: 'hi',
  };
}

/** A store that fails like an unreachable Redis while `down` is set. */
class SwitchableStore extends MemoryPresenceStore {
  down = false;
  override ensureInitialized(): Promise<boolean> {
    return this.down ? this.fail() : super.ensureInitialized();
  }
  override connect(gw: string, sessions: SessionRef[], ttlMs: number): Promise<string[]> {
    return this.down ? this.fail() : super.connect(gw, sessions, ttlMs);
  }
  override query(users: string[]) {
    return this.down ? this.fail() : super.query(users);
  }
  private async fail(): Promise<never> {
    throw new PresenceStoreError('redis presence call failed: connection refused', {
      cause: new Error('ECONNREFUSED'),
    });
  }
}

describe('presence service', () => {
  let bus: MemoryBus;
  let store: SwitchableStore;
  let services: RunningService[];
  let rec: Recorder;
  let rpc: RpcClient;

  const startInstance = async (st: PresenceStore = store) => {
    const svc = await start(config, { bus: bus.connect(), log, store: st });
    services.push(svc);
    return svc;
  };
  const changed = () => rec.of(s.presenceChanged) as PresenceChangedEvent[];

  beforeEach(async () => {
    bus = new MemoryBus();
    store = new SwitchableStore();
    services = [];
    rec = new Recorder(bus, 't.>');
    rpc = new RpcClient(bus, s, 1000);
    await startInstance();
    await startInstance();
  });

  afterEach(async () => {
    for (const svc of services) await svc.stop();
    rec.close();
    await bus.drain();
  });

  it('announces a user online on their first session only', async () => {
    await rpc.call('presenceConnect', { v: 1, gw: 'g1', sessions: [ref('s1', 'alice'), ref('s2', 'alice')] });
    await rpc.call('presenceConnect', { v: 1, gw: 'g2', sessions: [ref('s3', 'alice'), ref('s4', 'bob')] });
    await until('two online events', () => changed().length === 2);
    expect(changed()).toEqual([
      { v: 1, user: 'alice', online: true },
      { v: 1, user: 'bob', online: true },
    ]);
    const { presence } = await rpc.call('presenceQuery', { v: 1, users: ['bob', 'carol'] });
    expect(presence).toEqual([
      { user: 'bob', online: true },
      { user: 'carol', online: false },
    ]);
  });

  it('announces a user offline with lastSeen when their last session goes', async () => {
    await rpc.call('presenceConnect', { v: 1, gw: 'g1', sessions: [ref('s1', 'alice'), ref('s2', 'alice')] });
    emit(bus, s, 'presenceDisconnect', { gw: 'g1', sessions: [ref('s1', 'alice')] });
    emit(bus, s, 'presenceDisconnect', { gw: 'g1', sessions: [ref('s2', 'alice')] });
    const off = (await rec.next(
      (e) => e.subject === s.presenceChanged && !(e.data as PresenceChangedEvent).online,
    )) as PresenceChangedEvent;
    expect(off).toMatchObject({ v: 1, user: 'alice', online: false });
    expect(Math.abs(Date.parse(off.lastSeen ?? '') - Date.now())).toBeLessThan(2000);
    const { presence } = await rpc.call('presenceQuery', { v: 1, users: ['alice'] });
    expect(presence).toEqual([{ user: 'alice', online: false, lastSeen: off.lastSeen }]);
    expect(changed().filter((e) => !e.online)).toHaveLength(1);
  });

  it('sweeps a gateway that stops heartbeating, announcing offline once across instances', async () => {
    await rpc.call('presenceConnect', { v: 1, gw: 'dead', sessions: [ref('s1', 'alice'), ref('s2', 'bob')] });
    await rpc.call('presenceConnect', { v: 1, gw: 'live', sessions: [ref('s3', 'bob')] });
    const beat = (gw: string) => emit(bus, s, 'gwHeartbeat', { gw, sessions: 1, interval: 50 });
    beat('dead');
    const keepAlive = setInterval(() => beat('live'), 50);
    try {
      const off = await rec.next(
        (e) => e.subject === s.presenceChanged && !(e.data as PresenceChangedEvent).online,
      );
      expect(off).toMatchObject({ user: 'alice', online: false });
      // A few more sweeps by both instances must not announce it again, nor take bob offline.
      const swept = Date.now();
      await until('three more sweep periods', () => Date.now() - swept > 3 * 100);
      expect(changed().filter((e) => !e.online)).toEqual([off]);
      expect((await rpc.call('presenceQuery', { v: 1, users: ['bob'] })).presence[0].online).toBe(true);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('asks every gateway to re-announce once when the store loses its state', async () => {
    await rpc.call('presenceConnect', { v: 1, gw: 'g1', sessions: [ref('s1', 'alice')] });
    // The first instance to start found a brand-new store: that counted as one resync.
    expect(rec.of(s.presenceResync)).toEqual([{ v: 1 }]);
    store.clear();
    await until('a second resync', () => rec.of(s.presenceResync).length === 2);
    const at = Date.now();
    await until('three more sweep periods', () => Date.now() - at > 3 * 100);
    expect(rec.of(s.presenceResync)).toEqual([{ v: 1 }, { v: 1 }]);
  });

  it('asks one gateway to re-announce when it claims sessions the store lacks', async () => {
    emit(bus, s, 'gwHeartbeat', { gw: 'g7', sessions: 3, interval: 100 });
    const ev = await rec.next(
      (e) => e.subject === s.presenceResync && (e.data as PresenceResyncEvent).gw === 'g7',
    );
    expect(ev).toEqual({ v: 1, gw: 'g7' });
  });

  it('answers unavailable and is not ready while the store is unreachable', async () => {
    expect(services.every((svc) => svc.ready())).toBe(true);
    store.down = true;
    const err = await rpc.call('presenceQuery', { v: 1, users: ['alice'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatterError);
    expect((err as NatterError).code).toBe('unavailable');
    await until('both instances unready', () => services.every((svc) => !svc.ready()));
    store.down = false;
    await until('both instances ready again', () => services.every((svc) => svc.ready()));
    expect(await rpc.call('presenceConnect', { v: 1, gw: 'g1', sessions: [ref('s1', 'alice')] })).toEqual({});
  });

  it('rejects a malformed connect with bad_request', async () => {
    const err = await rpc
      .call('presenceConnect', { v: 1, gw: 'not a gw!', sessions: [] })
      .catch((e: unknown) => e as NatterError);
    expect(err).toMatchObject({ code: 'bad_request' });
  });
});
