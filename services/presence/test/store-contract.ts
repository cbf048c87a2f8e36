import { beforeEach, describe, expect, it } from 'vitest';
import type { PresenceStore } from '../src/store.ts';

export interface StoreFixture {
  store: PresenceStore;
  /** A second handle on the same state (another presence instance), for races. */
  peer: PresenceStore;
  /** Loses every bit of state, as Redis restarted empty does. */
  wipe(): Promise<void>;
}

const LONG = 60_000;

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const s = (session: string, user: string) => ({ session, user });

/** The PresenceStore contract (src/store.ts), run against every implementation. */
export function presenceStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let f: StoreFixture;
    let store: PresenceStore;
    beforeEach(async () => {
      f = await make();
      store = f.store;
    });

    it('reports a user online on their first session only', async () => {
      expect(await store.connect('g1', [s('s1', 'alice'), s('s2', 'alice'), s('s3', 'bob')], LONG)).toEqual([
        'alice',
        'bob',
      ]);
      expect(await store.connect('g2', [s('s4', 'alice')], LONG)).toEqual([]);
      expect(await store.connect('g1', [s('s1', 'alice')], LONG)).toEqual([]);
      expect(await store.connect('g1', [], LONG)).toEqual([]);
    });

    it('reports a user offline when their last session goes, with lastSeen', async () => {
      await store.connect('g1', [s('s1', 'alice'), s('s3', 'bob')], LONG);
      await store.connect('g2', [s('s2', 'alice')], LONG);
      expect(await store.disconnect('g1', [s('s1', 'alice')])).toEqual([]);
      const before = Date.now();
      const offline = await store.disconnect('g2', [s('s2', 'alice')]);
      expect(offline.map((o) => o.user)).toEqual(['alice']);
      expect(Math.abs(offline[0].lastSeen - before)).toBeLessThan(2000);
      expect(await store.disconnect('g2', [s('s2', 'alice')])).toEqual([]);
      expect(await store.disconnect('g1', [s('s9', 'nobody')])).toEqual([]);
    });

    it('records exactly the transitions it reports, in order, until they are dropped', async () => {
      const recorded = async () =>
        (await store.recordedTransitions(100)).map((t) => `${t.user}:${t.online ? 'on' : 'off'}`);
      await store.dropTransitions((await store.recordedTransitions(1000)).map((t) => t.id));
      await store.connect('g1', [s('s1', 'alice'), s('s2', 'alice')], LONG);
      await store.connect('g2', [s('s3', 'alice'), s('s4', 'bob')], LONG);
      await store.disconnect('g1', [s('s1', 'alice'), s('s2', 'alice')]);
      await store.disconnect('g1', [s('s1', 'alice')]); // again: nothing
      await store.removeGateway('g2');
      expect(await recorded()).toEqual(['alice:on', 'bob:on', 'alice:off', 'bob:off']);
      const all = await store.recordedTransitions(100);
      expect(new Set(all.map((t) => t.id)).size).toBe(4);
      expect((await store.recordedTransitions(2)).map((t) => t.id)).toEqual(all.slice(0, 2).map((t) => t.id));
      await store.dropTransitions([all[0]!.id, all[1]!.id, '1-1']);
      expect(await recorded()).toEqual(['alice:off', 'bob:off']);
      await store.dropTransitions(all.map((t) => t.id));
      expect(await recorded()).toEqual([]);
    });

    it('reports a user offline once when several of their sessions go together', async () => {
      await store.connect('g1', [s('s1', 'alice'), s('s2', 'alice')], LONG);
      const offline = await store.disconnect('g1', [s('s1', 'alice'), s('s2', 'alice')]);
      expect(offline.map((o) => o.user)).toEqual(['alice']);
    });

    it('leaves a session alone when another gateway disconnects it', async () => {
      await store.connect('g1', [s('s1', 'alice')], LONG);
      expect(await store.disconnect('g2', [s('s1', 'alice')])).toEqual([]);
      expect(await store.query(['alice'])).toEqual([{ user: 'alice', online: true }]);
    });

    it('answers queries in order: online, offline with lastSeen, never seen', async () => {
      await store.connect('g1', [s('s1', 'alice'), s('s2', 'bob')], LONG);
      await store.disconnect('g1', [s('s2', 'bob')]);
      const views = await store.query(['carol', 'alice', 'bob']);
      expect(views[0]).toEqual({ user: 'carol', online: false });
      expect(views[1]).toEqual({ user: 'alice', online: true });
      expect(views[2]).toMatchObject({ user: 'bob', online: false });
      expect(Date.parse(views[2].lastSeen ?? '')).toBeGreaterThan(Date.now() - 5000);
      expect(await store.query([])).toEqual([]);
    });

    it('counts a gateway’s sessions on heartbeat', async () => {
      expect(await store.heartbeat('g1', LONG)).toBe(0);
      await store.connect('g1', [s('s1', 'alice'), s('s2', 'bob')], LONG);
      expect(await store.heartbeat('g1', LONG)).toBe(2);
    });

    it('expires a gateway that stops heartbeating, not one that keeps on', async () => {
      await store.connect('g1', [s('s1', 'alice')], LONG);
      await store.heartbeat('g1', LONG);
      await store.heartbeat('dead', 30);
      expect(await store.expired()).not.toContain('g1');
      await until('dead to expire', async () => (await store.expired()).includes('dead'));
      expect(await store.expired()).not.toContain('g1');
    });

    it('removes an expired gateway with its sessions, reporting offline users once', async () => {
      await store.connect('dead', [s('s1', 'alice'), s('s2', 'bob'), s('s3', 'bob')], LONG);
      await store.connect('live', [s('s4', 'bob')], LONG);
      await store.heartbeat('dead', 30);
      await until('dead to expire', async () => (await store.expired()).includes('dead'));
      const [a, b] = await Promise.all([
        store.removeGateway('dead', { ifExpired: true }),
        f.peer.removeGateway('dead', { ifExpired: true }),
      ]);
      expect([...a, ...b].map((o) => o.user)).toEqual(['alice']);
      expect(await store.expired()).not.toContain('dead');
      expect((await store.query(['alice', 'bob'])).map((v) => v.online)).toEqual([false, true]);
      expect(await store.heartbeat('dead', LONG)).toBe(0);
    });

    it('does not remove a gateway that came back before the sweep', async () => {
      await store.connect('g1', [s('s1', 'alice')], LONG);
      await store.heartbeat('g1', 30);
      await until('g1 to expire', async () => (await store.expired()).includes('g1'));
      await store.heartbeat('g1', LONG);
      expect(await store.removeGateway('g1', { ifExpired: true })).toEqual([]);
      expect(await store.query(['alice'])).toEqual([{ user: 'alice', online: true }]);
    });

    it('counts a connect as a sign of life, never shortening the deadline', async () => {
      await store.heartbeat('g1', 30);
      await until('g1 to expire', async () => (await store.expired()).includes('g1'));
      await store.connect('g1', [s('s1', 'alice')], LONG);
      expect(await store.expired()).not.toContain('g1');
      await store.connect('g1', [s('s2', 'alice')], 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await store.expired()).not.toContain('g1');
    });

    it('removes a gateway unconditionally without ifExpired', async () => {
      await store.connect('g1', [s('s1', 'alice')], LONG);
      const offline = await store.removeGateway('g1');
      expect(offline.map((o) => o.user)).toEqual(['alice']);
      expect(await store.removeGateway('g1')).toEqual([]);
      expect(await store.expired()).not.toContain('g1');
    });

    it('reports online exactly once when two instances race', async () => {
      const results = await Promise.all([
        store.connect('g1', [s('s1', 'alice')], LONG),
        f.peer.connect('g2', [s('s2', 'alice')], LONG),
      ]);
      expect(results.flat()).toEqual(['alice']);
    });

    it('tells exactly one caller that its state is new or was lost', async () => {
      const first = await Promise.all([store.ensureInitialized(), f.peer.ensureInitialized()]);
      expect(first.filter(Boolean)).toHaveLength(1);
      expect(await store.ensureInitialized()).toBe(false);
      await store.connect('g1', [s('s1', 'alice')], LONG);
      await f.wipe();
      expect(await f.peer.ensureInitialized()).toBe(true);
      expect(await store.ensureInitialized()).toBe(false);
      expect(await store.query(['alice'])).toEqual([{ user: 'alice', online: false }]);
    });
  });
}
