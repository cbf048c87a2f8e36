import net from 'node:net';
import { createLogger } from '@natter/log';
import { type NatsHandle, startNats } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Bus, BusNoRespondersError, BusTimeoutError, connectNatsBus } from '../src/index.ts';
import { busContract, waitFor } from './contract.ts';

const log = createLogger({ name: 'bus-test', level: 'silent' });
let nats: NatsHandle;

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats?.stop();
});

busContract('NATS', async () => {
  const a = await connectNatsBus({ servers: nats.url, name: 'contract-a', log });
  const b = await connectNatsBus({ servers: [nats.url], name: 'contract-b', log });
  return {
    a,
    b,
    cleanup: async () => {
      await Promise.all([a.drain(), b.drain()]);
    },
  };
});

describe('NATS bus writes', () => {
  it('sends what is published in one event-loop turn in one socket write, in order', async () => {
    const a = await connectNatsBus({ servers: nats.url, name: 'turn-a', log });
    const b = await connectNatsBus({ servers: nats.url, name: 'turn-b', log });
    try {
      const got: string[] = [];
      a.subscribe('turn.x', (m) => void got.push(new TextDecoder().decode(m.data)));
      await a.flush();
      const write = vi.spyOn(net.Socket.prototype, 'write');
      // Three publishes a microtask apart, as a handler's awaits space them: nats.js alone
      // wrote each at its own microtask checkpoint.
      b.publish('turn.x', new TextEncoder().encode('1'));
      await Promise.resolve();
      b.publish('turn.x', new TextEncoder().encode('2'));
      await Promise.resolve();
      b.publish('turn.x', new TextEncoder().encode('3'));
      await waitFor(() => got.length === 3, 'the three messages');
      expect(write).toHaveBeenCalledTimes(1);
      write.mockRestore();
      expect(got).toEqual(['1', '2', '3']);
    } finally {
      vi.restoreAllMocks();
      await Promise.all([a.drain(), b.drain()]);
    }
  });
});

describe('NATS bus with localEcho', () => {
  it('hands its own publishes to its own plain subscriptions in process, once, in order, and to others over NATS', async () => {
    const a = await connectNatsBus({ servers: nats.url, name: 'echo-a', log, localEcho: true });
    const b = await connectNatsBus({ servers: nats.url, name: 'echo-b', log });
    const dec = new TextDecoder();
    try {
      const own: string[] = [];
      const wild: string[] = [];
      const other: string[] = [];
      const queued: string[] = [];
      const ownSub = a.subscribe(
        'echo.x',
        (m) => void own.push(`${dec.decode(m.data)}:${m.headers?.h ?? ''}`),
      );
      a.subscribe('echo.*', (m) => void wild.push(dec.decode(m.data)));
      // A queue group of the publisher never gets its own publishes (NATS no_echo).
      a.subscribe('echo.x', (m) => void queued.push(dec.decode(m.data)), { queue: 'q' });
      b.subscribe('echo.x', (m) => void other.push(dec.decode(m.data)));
      await a.flush();
      await b.flush();
      for (let i = 0; i < 50; i++)
        a.publish('echo.x', new TextEncoder().encode(String(i)), { headers: { h: 'v' } });
      await waitFor(
        () => other.length === 50 && own.length === 50 && wild.length === 50,
        'all 50 everywhere',
      );
      b.publish('echo.x', new TextEncoder().encode('from-b'));
      await waitFor(() => own.length === 51, "b's message over NATS");
      await b.flush();
      await a.flush();
      const want = Array.from({ length: 50 }, (_, i) => String(i));
      // Each once: the server did not send a's publishes back to it as well.
      expect(own).toEqual([...want.map((x) => `${x}:v`), 'from-b:']);
      expect(wild).toEqual([...want, 'from-b']);
      expect(other).toEqual([...want, 'from-b']);
      expect(queued).toEqual(['from-b']);
      // Unsubscribed: no longer handed its own publishes either.
      ownSub.unsubscribe();
      a.publish('echo.x', new TextEncoder().encode('late'));
      await waitFor(() => other.length === 52, 'the late message at b');
      await a.flush();
      expect(own.at(-1)).toBe('from-b:');
      expect(wild.at(-1)).toBe('late');
    } finally {
      vi.restoreAllMocks();
      await Promise.all([a.drain(), b.drain()]);
    }
  });
});

describe('NATS bus flushes', () => {
  it('shares one round trip among the flushes of one turn, each covering the subscriptions before it', async () => {
    const a = await connectNatsBus({ servers: nats.url, name: 'flush-a', log });
    const b = await connectNatsBus({ servers: nats.url, name: 'flush-b', log });
    try {
      const got: string[] = [];
      const write = vi.spyOn(net.Socket.prototype, 'write');
      // As a storm's hellos do: each subscribes, then awaits flush, in the same turn.
      const flushes = ['x', 'y', 'z'].map((s) => {
        a.subscribe(`flush.${s}`, () => void got.push(s));
        return a.flush();
      });
      await Promise.all(flushes);
      const written = write.mock.calls.map(([chunk]) => Buffer.from(chunk as Uint8Array).toString()).join('');
      write.mockRestore();
      expect(written.match(/^SUB /gm)).toHaveLength(3);
      expect(written.match(/^PING\r$/gm)).toHaveLength(1);
      for (const s of ['x', 'y', 'z']) b.publish(`flush.${s}`, new TextEncoder().encode(s));
      await waitFor(() => got.length === 3, 'a message on each subscription');
      // A flush after the shared one was sent is a round trip of its own, and still resolves.
      await a.flush();
    } finally {
      vi.restoreAllMocks();
      await Promise.all([a.drain(), b.drain()]);
    }
  });
});

describe('NATS bus across a server restart', () => {
  let a: Bus;
  let b: Bus;
  const enc = new TextEncoder();

  afterAll(async () => {
    await Promise.all([a?.drain(), b?.drain()]);
  });

  it('turns not ready, fails requests fast, and recovers with its subscriptions', async () => {
    const lines: { level: number; msg: string }[] = [];
    const watched = createLogger({
      name: 'bus-test',
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    a = await connectNatsBus({ servers: nats.url, name: 'restart-a', log: watched });
    b = await connectNatsBus({ servers: nats.url, name: 'restart-b', log });
    const got: string[] = [];
    a.subscribe('restart.x', (m) => void got.push(new TextDecoder().decode(m.data)));
    await a.flush();
    b.publish('restart.x', enc.encode('before'));
    await waitFor(() => got.length === 1, 'the message before the restart');

    await nats.kill();
    await waitFor(() => !a.ready && !b.ready, 'both buses to notice the server is gone');

    const started = Date.now();
    const err = await b.request('restart.x', enc.encode('?'), { timeout: 300 }).catch((e: unknown) => e);
    expect(err instanceof BusTimeoutError || err instanceof BusNoRespondersError).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    // Publishing while disconnected is buffered, not an error.
    expect(() => b.publish('restart.buffered', enc.encode('x'))).not.toThrow();

    await nats.restart();
    await waitFor(() => a.ready && b.ready, 'both buses to reconnect', 15_000);
    // The subscription was re-sent on reconnect; the flush makes sure the server has it.
    await a.flush();
    b.publish('restart.x', enc.encode('after'));
    await waitFor(() => got.includes('after'), 'the message after the restart');
    expect(got).toEqual(['before', 'after']);
    // The on-call person sees the outage and the recovery in the logs.
    const said = (level: number, start: string) =>
      lines.some((l) => l.level === level && l.msg.startsWith(start));
    expect(said(40, 'disconnected from NATS')).toBe(true);
    expect(said(30, 'reconnected to NATS')).toBe(true);
  });
});
