import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Bus,
  BusClosedError,
  type BusMsg,
  BusNoRespondersError,
  BusTimeoutError,
} from '../src/index.ts';

/** Two connections to one bus: what one publishes, the other's subscriptions see. */
export interface BusPair {
  a: Bus;
  b: Bus;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (m: BusMsg) => dec.decode(m.data);

/** Polls until `cond` holds; fails with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every message a subscription receives, in order. */
function collector(bus: Bus, subject: string, queue?: string): { msgs: BusMsg[]; texts(): string[] } {
  const msgs: BusMsg[] = [];
  bus.subscribe(subject, (m) => void msgs.push(m), queue ? { queue } : undefined);
  return { msgs, texts: () => msgs.map(text) };
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The Bus contract (libs/bus/src/types.ts), run against every implementation. `factory`
 * is called before each test and must return two independent connections to one bus.
 */
export function busContract(name: string, factory: () => Promise<BusPair>): void {
  describe(`Bus contract: ${name}`, () => {
    let pair: BusPair;
    let a: Bus;
    let b: Bus;
    // Each test gets its own subject space, so nothing leaks between tests on one server.
    let p: string;

    beforeEach(async () => {
      pair = await factory();
      a = pair.a;
      b = pair.b;
      p = `t${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await pair.cleanup();
    });

    it('is ready when connected', () => {
      expect(a.ready).toBe(true);
      expect(b.ready).toBe(true);
    });

    it('delivers a publish to a subscriber on another connection, with headers', async () => {
      const got = collector(a, `${p}.hello`);
      await a.flush();
      b.publish(`${p}.hello`, enc.encode('hi'), { headers: { 'natter-trace': 'abc123' } });
      await waitFor(() => got.msgs.length === 1, 'the message');
      expect(got.msgs[0].subject).toBe(`${p}.hello`);
      expect(text(got.msgs[0])).toBe('hi');
      expect(got.msgs[0].headers?.['natter-trace']).toBe('abc123');
      expect(got.msgs[0].reply).toBeUndefined();
    });

    it('publishing with no subscriber is not an error', async () => {
      b.publish(`${p}.nobody`, enc.encode('x'));
      await b.flush();
    });

    it('matches `*` to exactly one token and `>` to one or more trailing tokens', async () => {
      const star = collector(a, `${p}.*.x`);
      const rest = collector(a, `${p}.>`);
      const exact = collector(a, `${p}.a.x`);
      await a.flush();
      for (const s of [`${p}.a.x`, `${p}.a.b.x`, `${p}.a`, p, `${p}.b.x`, `${p}x.a.x`, `${p}.a.x.y`]) {
        b.publish(s, enc.encode(s));
      }
      // Sent last by the same publisher, so it arrives last at every subscription.
      b.publish(`${p}.end.x`, enc.encode('end'));
      const ended = (c: { texts(): string[] }) => c.texts().includes('end');
      await waitFor(() => ended(star) && ended(rest), 'the end marker');
      await b.flush();
      await a.flush();
      expect(star.texts()).toEqual([`${p}.a.x`, `${p}.b.x`, 'end']);
      expect(rest.texts()).toEqual([`${p}.a.x`, `${p}.a.b.x`, `${p}.a`, `${p}.b.x`, `${p}.a.x.y`, 'end']);
      expect(exact.texts()).toEqual([`${p}.a.x`]);
    });

    it('gives each message to exactly one member of a queue group, and all to plain subscribers', async () => {
      const q1 = collector(a, `${p}.work`, 'workers');
      const q2 = collector(b, `${p}.work`, 'workers');
      const other = collector(b, `${p}.work`, 'auditors');
      const plain = collector(a, `${p}.work`);
      await a.flush();
      await b.flush();
      for (let i = 0; i < 200; i++) b.publish(`${p}.work`, enc.encode(String(i)));
      await waitFor(
        () =>
          plain.msgs.length === 200 && other.msgs.length === 200 && q1.msgs.length + q2.msgs.length >= 200,
        'all 200 messages',
      );
      // A round trip on each connection: anything still on its way has arrived after it.
      await b.flush();
      await a.flush();
      expect(q1.msgs.length).toBeGreaterThan(0);
      expect(q2.msgs.length).toBeGreaterThan(0);
      expect(q1.msgs.length + q2.msgs.length).toBe(200);
      expect(new Set([...q1.texts(), ...q2.texts()]).size).toBe(200);
      expect(plain.msgs.length).toBe(200);
      expect(other.msgs.length).toBe(200);
    });

    it('answers a request from another connection, headers both ways', async () => {
      b.subscribe(
        `${p}.echo`,
        (m) => {
          m.respond(enc.encode(`echo:${text(m)}`), {
            headers: { got: m.headers?.['natter-trace'] ?? 'none' },
          });
        },
        { queue: 'echo' },
      );
      await b.flush();
      const reply = await a.request(`${p}.echo`, enc.encode('ping'), {
        timeout: 5000,
        headers: { 'natter-trace': 't-42' },
      });
      expect(text(reply)).toBe('echo:ping');
      expect(reply.headers?.got).toBe('t-42');
    });

    it('answers concurrent requests each with its own reply', async () => {
      b.subscribe(`${p}.double`, async (m) => {
        await new Promise((r) => setTimeout(r, Number(text(m)) % 7));
        m.respond(enc.encode(String(Number(text(m)) * 2)));
      });
      await b.flush();
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          a.request(`${p}.double`, enc.encode(String(i)), { timeout: 5000 }),
        ),
      );
      expect(replies.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => String(i * 2)));
    });

    it('rejects a request with no responders at once, well before the timeout', async () => {
      const started = Date.now();
      const err = await a.request(`${p}.nobody`, enc.encode('x'), { timeout: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusNoRespondersError);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('rejects a request nobody answers with BusTimeoutError after the timeout', async () => {
      b.subscribe(`${p}.silent`, () => {});
      await b.flush();
      const started = Date.now();
      const err = await a.request(`${p}.silent`, enc.encode('x'), { timeout: 200 }).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(err).toBeInstanceOf(BusTimeoutError);
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(2000);
    });

    it('stops delivery at once on unsubscribe, even of messages already on their way', async () => {
      const got: string[] = [];
      const sub = a.subscribe(`${p}.once`, (m) => {
        got.push(text(m));
        sub.unsubscribe();
      });
      const marker = collector(a, `${p}.marker`);
      await a.flush();
      for (let i = 0; i < 20; i++) b.publish(`${p}.once`, enc.encode(String(i)));
      b.publish(`${p}.marker`, enc.encode('m'));
      await waitFor(() => marker.msgs.length === 1, 'the marker');
      await b.flush();
      await a.flush();
      expect(got).toEqual(['0']);
      expect(sub.subject).toBe(`${p}.once`);
    });

    it('keeps one publisher’s order at one subscriber over 1000 messages', async () => {
      const got = collector(a, `${p}.seq`);
      await a.flush();
      for (let i = 0; i < 1000; i++) b.publish(`${p}.seq`, enc.encode(String(i)));
      await waitFor(() => got.msgs.length === 1000, '1000 messages');
      expect(got.texts()).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    });

    it('calls the handler with the next message without awaiting the previous one', async () => {
      const gate = deferred();
      const started: string[] = [];
      a.subscribe(`${p}.conc`, async (m) => {
        started.push(text(m));
        await gate.promise;
      });
      await a.flush();
      b.publish(`${p}.conc`, enc.encode('1'));
      b.publish(`${p}.conc`, enc.encode('2'));
      await waitFor(() => started.length === 2, 'both handlers to start while the first still waits');
      expect(started).toEqual(['1', '2']);
      gate.resolve();
    });

    it('keeps delivering after a handler throws or rejects', async () => {
      const got: string[] = [];
      a.subscribe(`${p}.bad`, async (m) => {
        got.push(text(m));
        if (text(m) === 'throw') throw new Error('handler failed');
        if (text(m) === 'reject') await Promise.reject(new Error('handler rejected'));
      });
      const sync: string[] = [];
      a.subscribe(`${p}.badsync`, (m) => {
        sync.push(text(m));
        throw new Error('sync handler failed');
      });
      await a.flush();
      for (const t of ['throw', 'reject', 'fine']) b.publish(`${p}.bad`, enc.encode(t));
      for (const t of ['1', '2']) b.publish(`${p}.badsync`, enc.encode(t));
      await waitFor(() => got.length === 3 && sync.length === 2, 'every message despite failing handlers');
      expect(got).toEqual(['throw', 'reject', 'fine']);
      expect(a.ready).toBe(true);
    });

    it('drains: waits for running handlers (which may still respond), then refuses every call', async () => {
      const gate = deferred();
      const events: string[] = [];
      let running = false;
      a.subscribe(`${p}.slow`, async (m) => {
        running = true;
        await gate.promise;
        events.push('handler done');
        m.respond(enc.encode('late reply'));
      });
      await a.flush();
      const reply = b.request(`${p}.slow`, enc.encode('x'), { timeout: 10_000 });
      await waitFor(() => running, 'the handler to start');
      const drained = a.drain().then(() => events.push('drained'));
      expect(a.ready).toBe(false);
      // A round trip through the bus and a turn of the event loop (every pending microtask
      // runs) give the drain every chance to finish too early.
      await b.flush();
      await new Promise((r) => setImmediate(r));
      expect(events).toEqual([]);
      gate.resolve();
      await drained;
      expect(events).toEqual(['handler done', 'drained']);
      expect(text(await reply)).toBe('late reply');

      expect(a.ready).toBe(false);
      expect(() => a.publish(`${p}.x`, enc.encode('x'))).toThrow(BusClosedError);
      expect(() => a.subscribe(`${p}.x`, () => {})).toThrow(BusClosedError);
      await expect(a.request(`${p}.slow`, enc.encode('x'), { timeout: 500 })).rejects.toBeInstanceOf(
        BusClosedError,
      );
      await expect(a.flush()).rejects.toBeInstanceOf(BusClosedError);
      await a.drain(); // a second drain is harmless
      expect(b.ready).toBe(true);
    });

    it('stops delivering to a drained connection while the other goes on', async () => {
      const got = collector(a, `${p}.after`);
      const other = collector(b, `${p}.after`);
      await a.flush();
      await b.flush();
      await a.drain();
      b.publish(`${p}.after`, enc.encode('x'));
      await waitFor(() => other.msgs.length === 1, 'the message on the live connection');
      expect(got.msgs).toEqual([]);
    });
  });
}
