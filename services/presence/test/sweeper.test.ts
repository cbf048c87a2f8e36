import { Writable } from 'node:stream';
import { MemoryBus } from '@natter/bus';
import { subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/memory-store.ts';
import { presenceMetrics } from '../src/metrics.ts';
import { Sweeper } from '../src/sweeper.ts';
import { Transitions } from '../src/transitions.ts';

describe('the sweeper', () => {
  it('takes an empty store at its first tick as a first start (info), a later loss as a warning', async () => {
    const lines: { level: number; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const log = createLogger({ name: 'presence-test', destination });
    const bus = new MemoryBus();
    const s = subjects('natter');
    const store = new MemoryPresenceStore();
    const metrics = presenceMetrics(new Registry());
    const transitions = new Transitions(bus, s, metrics);
    const sweeper = new Sweeper({ bus, s, store, log, metrics, transitions });
    await sweeper.sweep();
    await sweeper.sweep();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.map((l) => l.msg)).toContain(
      'presence state is new; asking every gateway to announce its sessions',
    );
    store.clear();
    await sweeper.sweep();
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'presence state was lost (store restarted empty); asking every gateway to re-announce its sessions',
    ]);
  });
});
