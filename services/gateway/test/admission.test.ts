import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionOutcome } from '../src/admission.ts';

function gate() {
  let open: () => void = () => {};
  const p = new Promise<void>((r) => (open = r));
  return { p, open: () => open() };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Admission', () => {
  it('runs at most inFlight at once, the rest in arrival order', async () => {
    const a = new Admission({ inFlight: 2, queue: 10, waitMs: 5000, upgradeLimit: 100 });
    const gates = [0, 1, 2, 3, 4].map(() => gate());
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      a.run(async () => {
        started.push(i);
        await g.p;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(a.active).toBe(2);
    expect(a.queued).toBe(3);
    gates[1].open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    // A newcomer while others wait goes to the back of the line, even with a place free.
    gates[0].open();
    const late = a.run(async () => 'late');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(await late).toBe('late');
    expect(a.active).toBe(0);
    expect(a.queued).toBe(0);
  });

  it('answers unavailable with retryAfter at once when the line is full', async () => {
    const outcomes: AdmissionOutcome[] = [];
    const a = new Admission({
      inFlight: 1,
      queue: 1,
      waitMs: 5000,
      upgradeLimit: 100,
      onOutcome: (o) => outcomes.push(o),
    });
    const g = gate();
    const first = a.run(() => g.p);
    const second = a.run(async () => 'second');
    const t0 = Date.now();
    const err = await a.run(async () => 'third').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(50);
    expect(err).toBeInstanceOf(NatterError);
    expect((err as NatterError).code).toBe('unavailable');
    expect((err as NatterError).retryAfter).toBeGreaterThanOrEqual(500);
    g.open();
    await first;
    expect(await second).toBe('second');
    expect(outcomes).toEqual(['admitted', 'shed', 'queued']);
  });

  it('refuses a request that waited waitMs, and lets the line move on', async () => {
    const a = new Admission({ inFlight: 1, queue: 10, waitMs: 50, upgradeLimit: 100 });
    const g = gate();
    const first = a.run(() => g.p);
    const t0 = Date.now();
    const err = (await a.run(async () => 'never').catch((e: unknown) => e)) as NatterError;
    expect(err.code).toBe('unavailable');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(a.queued).toBe(0);
    g.open();
    await first;
    expect(await a.run(async () => 'next')).toBe('next');
  });

  it('a request that throws frees its place', async () => {
    const a = new Admission({ inFlight: 1, queue: 10, waitMs: 5000, upgradeLimit: 100 });
    await expect(a.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(a.active).toBe(0);
    expect(await a.run(async () => 1)).toBe(1);
  });

  it('refuses upgrades past the limit with a Retry-After in seconds that grows with the line', async () => {
    const a = new Admission({ inFlight: 1, queue: 1000, waitMs: 5000, upgradeLimit: 10 });
    expect(a.refuseUpgrade(9)).toBeUndefined();
    expect(a.refuseUpgrade(10)).toBe(1);
    const g = gate();
    const runs = Array.from({ length: 100 }, () => a.run(() => g.p));
    expect(a.refuseUpgrade(0)).toBeGreaterThan(1);
    expect(a.retryAfterMs()).toBeLessThanOrEqual(10_000);
    g.open();
    await Promise.all(runs);
  });

  it('counts a hello waiting in line once: as its connection without a session, not again as the line', async () => {
    const a = new Admission({ inFlight: 1, queue: 1000, waitMs: 5000, upgradeLimit: 10 });
    const g = gate();
    const running = a.run(() => g.p);
    // Six connections without a session, five of whose hellos wait in line: six waiting.
    const hellos = Array.from({ length: 5 }, () => a.run(() => g.p, true));
    expect(a.queued).toBe(5);
    expect(a.refuseUpgrade(6)).toBeUndefined();
    expect(a.refuseUpgrade(9)).toBeUndefined();
    // Other requests in line are work of their own.
    const others = Array.from({ length: 4 }, () => a.run(() => g.p));
    expect(a.refuseUpgrade(6)).toBeGreaterThanOrEqual(1);
    g.open();
    await Promise.all([running, ...hellos, ...others]);
    expect(a.refuseUpgrade(9)).toBeUndefined();
  });
});
