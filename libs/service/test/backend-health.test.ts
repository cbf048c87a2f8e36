import { createLogger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { backendUnavailable } from '../src/backend-error.ts';
import { BackendHealth } from '../src/backend-health.ts';
import { InFlight } from '../src/in-flight.ts';

const log = createLogger({ name: 'backend-health-test', level: 'silent' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const isConnectionError = (err: unknown) => (err as { code?: string }).code === 'ECONNREFUSED';

describe('BackendHealth', () => {
  it('is known after start(), goes down on a connection error and up on the next answer', async () => {
    const down = false;
    const health = new BackendHealth({
      what: 'test database',
      log,
      probe: async () => {
        if (down) throw refused();
      },
      intervalMs: 60_000,
      isConnectionError,
    });
    expect(health.ok).toBe(false);
    await health.start();
    expect(health.ok).toBe(true);
    const err = await health.track(Promise.reject(refused())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatterError);
    expect(err).toMatchObject({ code: 'unavailable', message: 'test database is unavailable, try again' });
    expect((err as NatterError).retryAfter).toBeGreaterThan(0);
    expect(health.ok).toBe(false);
    // A rejection the backend gave is an answer: it is passed through and the backend is up.
    const bad = new NatterError('bad_request', 'no');
    await expect(health.track(Promise.reject(bad))).rejects.toBe(bad);
    expect(health.ok).toBe(true);
    await health.stop();
  });

  it('without isConnectionError counts only unavailable NatterErrors as down', async () => {
    const health = new BackendHealth({ what: 'x', log, probe: async () => {}, intervalMs: 60_000 });
    await health.start();
    await expect(health.track(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(health.ok).toBe(true);
    await health.track(Promise.reject(backendUnavailable('x', undefined))).catch(() => {});
    expect(health.ok).toBe(false);
    await health.stop();
  });

  it('recovers through the probe timer', async () => {
    let down = true;
    const health = new BackendHealth({
      what: 'x',
      log,
      probe: async () => {
        if (down) throw refused();
      },
      intervalMs: 5,
      isConnectionError,
    });
    await health.start();
    expect(health.ok).toBe(false);
    down = false;
    await expect.poll(() => health.ok).toBe(true);
    await health.stop();
  });
});

describe('InFlight', () => {
  it('idle() waits for every added operation and each outcome is counted once', async () => {
    const outcomes: string[] = [];
    const inFlight = new InFlight((op, outcome) => outcomes.push(`${op}:${outcome}`));
    let release = () => {};
    const slow = inFlight.add(
      'slow',
      new Promise<void>((r) => {
        release = r;
      }),
    );
    const failing = inFlight.wrap('fail', async () => {
      throw new NatterError('forbidden', 'no');
    });
    await failing().catch(() => {});
    await inFlight.add('bug', Promise.reject(new Error('bug'))).catch(() => {});
    let idle = false;
    const waiting = inFlight.idle().then(() => {
      idle = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(idle).toBe(false);
    release();
    await slow;
    await waiting;
    expect(outcomes.sort()).toEqual(['bug:internal', 'fail:forbidden', 'slow:ok']);
  });
});
