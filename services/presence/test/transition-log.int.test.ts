import { createPool } from '@natter/db';
import { readEvents } from '@natter/events';
import { createLogger } from '@natter/log';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/memory-store.ts';
import { migratePresence } from '../src/migrations.ts';
import { TransitionLog } from '../src/transition-log.ts';

/**
 * Copying presence's recorded transitions into the event log (real Postgres): each logged
 * once even when the copier dies after its commit and before the store forgets them, or two
 * instances copy at once; nothing logged that the store did not decide.
 */
const log = createLogger({ name: 'transition-log-test', level: 'silent' });
let postgres: PostgresHandle;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase();
  await migratePresence(url, log);
  pool = createPool(url, { max: 6, log });
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

beforeEach(async () => {
  await pool.query('TRUNCATE natter_events, natter_presence_logged, natter_presence_logged_state');
});

async function logged(): Promise<string[]> {
  const evs = await readEvents(pool, undefined, 1000);
  return evs.map((e) => `${(e.data as { user: string }).user}:${e.type}`);
}

const s = (session: string, user: string) => ({ session, user });

describe('TransitionLog', () => {
  it('logs each recorded transition once, in order, and empties the store', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('g1', [s('a1', 'ann'), s('a2', 'ann'), s('b1', 'bo')], 60_000);
    await store.disconnect('g1', [s('a1', 'ann')]); // not her last session: no transition
    await store.removeGateway('g1');
    await new TransitionLog(pool, store, log).copyAll();
    expect(await logged()).toEqual([
      'ann:user.online',
      'bo:user.online',
      'ann:user.offline',
      'bo:user.offline',
    ]);
    expect(await store.recordedTransitions(10)).toEqual([]);
  });

  it('a copier that dies between its commit and the drop does not log them twice', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('g1', [s('c1', 'cy')], 60_000);
    const drop = store.dropTransitions.bind(store);
    store.dropTransitions = async () => {
      throw new Error('killed before the drop');
    };
    await expect(new TransitionLog(pool, store, log).copyAll()).rejects.toThrow(/killed/);
    expect(await store.recordedTransitions(10)).toHaveLength(1);
    store.dropTransitions = drop;
    await store.disconnect('g1', [s('c1', 'cy')]);
    await new TransitionLog(pool, store, log).copyAll();
    expect(await logged()).toEqual(['cy:user.online', 'cy:user.offline']);
  });

  it('a copy whose transaction fails logs nothing and leaves them recorded', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('g1', [s('d1', 'di')], 60_000);
    const broken = createPool('postgres://nobody@127.0.0.1:1/none', { max: 1, log });
    await expect(new TransitionLog(broken, store, log).copyAll()).rejects.toThrow();
    await broken.end();
    expect(await logged()).toEqual([]);
    expect(await store.recordedTransitions(10)).toHaveLength(1);
  });

  it('after the store lost its state, re-announced sessions of users online all along log nothing', async () => {
    const store = new MemoryPresenceStore();
    const copier = new TransitionLog(pool, store, log);
    await store.connect('g1', [s('f1', 'fay')], 60_000);
    await copier.copyAll();
    store.clear(); // Redis restarted empty
    await store.connect('g1', [s('f1', 'fay')], 60_000); // the gateway re-announces
    expect(await store.recordedTransitions(10)).toHaveLength(1);
    await copier.copyAll();
    expect(await logged()).toEqual(['fay:user.online']);
    await store.disconnect('g1', [s('f1', 'fay')]);
    await copier.copyAll();
    expect(await logged()).toEqual(['fay:user.online', 'fay:user.offline']);
  });

  it('two instances copying the same transitions at once log each once', async () => {
    const store = new MemoryPresenceStore();
    await store.connect(
      'g1',
      Array.from({ length: 50 }, (_, i) => s(`e${i}`, `u${i}`)),
      60_000,
    );
    await Promise.all([
      new TransitionLog(pool, store, log).copyAll(),
      new TransitionLog(pool, store, log).copyAll(),
    ]);
    const all = await logged();
    expect(all).toHaveLength(50);
    expect(new Set(all).size).toBe(50);
  });
});
