import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/index.ts';
import { busContract, waitFor } from './contract.ts';

busContract('MemoryBus', async () => {
  const a = new MemoryBus();
  const b = a.connect();
  return {
    a,
    b,
    cleanup: async () => {
      await Promise.all([a.drain(), b.drain()]);
    },
  };
});

const data = new Uint8Array([1]);

describe('MemoryBus specifics', () => {
  it('never calls a handler inside publish', async () => {
    const bus = new MemoryBus();
    let calls = 0;
    bus.subscribe('x', () => {
      calls++;
    });
    bus.publish('x', data);
    expect(calls).toBe(0);
    await waitFor(() => calls === 1, 'the delivery');
  });

  it('counts published messages and handler calls over all its connections', async () => {
    const a = new MemoryBus();
    const b = a.connect();
    let n = 0;
    a.subscribe('s.*', () => {
      n++;
    });
    b.subscribe('s.>', () => {
      n++;
    });
    b.publish('s.1', data);
    b.publish('s.1.2', data);
    b.publish('nobody', data);
    await waitFor(() => n === 3, 'three deliveries');
    expect(a.stats()).toEqual({ published: 3, delivered: 3 });
    expect(b.stats()).toEqual(a.stats());
  });

  it('routes to subscriptions made after a subject was cached, literal and wildcard', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    bus.subscribe('c.d', () => void got.push('first'));
    bus.publish('c.d', data);
    bus.subscribe('c.d', () => void got.push('literal'));
    bus.subscribe('c.*', () => void got.push('wildcard'));
    bus.publish('c.d', data);
    await waitFor(() => got.length === 4, 'four deliveries');
    expect(got.sort()).toEqual(['first', 'first', 'literal', 'wildcard']);
  });

  it('drops messages already routed to a subscription that unsubscribes', async () => {
    const bus = new MemoryBus();
    let calls = 0;
    const sub = bus.subscribe('u', () => {
      calls++;
    });
    bus.publish('u', data);
    sub.unsubscribe();
    bus.publish('u', data);
    await bus.flush();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(0);
  });

  it('spreads a queue group round-robin', async () => {
    const bus = new MemoryBus();
    const counts = [0, 0, 0];
    for (let i = 0; i < 3; i++) bus.subscribe('rr', () => void counts[i]++, { queue: 'g' });
    for (let i = 0; i < 300; i++) bus.publish('rr', data);
    await waitFor(() => counts[0] + counts[1] + counts[2] === 300, '300 deliveries');
    expect(counts).toEqual([100, 100, 100]);
  });

  it('refuses invalid subjects', () => {
    const bus = new MemoryBus();
    for (const s of ['', 'a..b', 'a.*', 'a.>', 'a b', '.a']) expect(() => bus.publish(s, data)).toThrow();
    for (const s of ['', 'a..b', 'a.>.b', 'a.b*', 'a b']) expect(() => bus.subscribe(s, () => {})).toThrow();
    expect(() => bus.subscribe('a.*.>', () => {})).not.toThrow();
  });
});
