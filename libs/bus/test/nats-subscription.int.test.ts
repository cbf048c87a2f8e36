import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@natter/log';
import { type NatsHandle, startNats } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, BusError, connectNatsBus } from '../src/index.ts';
import { natsInternals } from '../src/nats-subscription.ts';
import { waitFor } from './contract.ts';

/** The bus's own light subscription object (src/nats-subscription.ts) against a real nats-server. */
const log = createLogger({ name: 'bus-test', level: 'silent' });
let nats: NatsHandle;
let bus: Bus;
const enc = new TextEncoder();

/** The server's count of subscriptions (its /varz). */
async function serverSubs(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${nats.monitorPort}/varz`);
  return ((await res.json()) as { subscriptions: number }).subscriptions;
}

beforeAll(async () => {
  nats = await startNats();
  bus = await connectNatsBus({ servers: nats.url, name: 'light', log });
});
afterAll(async () => {
  await bus?.drain();
  await nats?.stop();
});

describe('NATS bus subscriptions', () => {
  it('finds the nats.js protocol handler it relies on', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      expect(natsInternals(nc)).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('holds a subscription at the server until unsubscribed', async () => {
    const base = await serverSubs();
    const got: string[] = [];
    const sub = bus.subscribe('light.a', (m) => void got.push(new TextDecoder().decode(m.data)));
    await bus.flush();
    expect(await serverSubs()).toBe(base + 1);
    bus.publish('light.a', enc.encode('one'));
    await waitFor(() => got.length === 1, 'the message');
    sub.unsubscribe();
    sub.unsubscribe(); // twice is harmless
    await bus.flush();
    expect(await serverSubs()).toBe(base);
    bus.publish('light.a', enc.encode('two'));
    await bus.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['one']);
  });

  it('refuses a subject nats.js would refuse, naming it', () => {
    expect(() => bus.subscribe('has space', () => undefined)).toThrow(BusError);
    expect(() => bus.subscribe('has space', () => undefined)).toThrow(/has space/);
  });

  it('costs a few hundred bytes of heap each (nats.js own subscription object: ~1.9 KiB)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 5000;
    const handler = () => undefined;
    const subs = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) subs.push(bus.subscribe(`light.many.u${i}`, handler));
    await bus.flush();
    gc();
    const per = (process.memoryUsage().heapUsed - before) / n;
    for (const s of subs) s.unsubscribe();
    await bus.flush();
    expect(per).toBeLessThan(700);
  });
});
