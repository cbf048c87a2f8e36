import { describe, expect, it } from 'vitest';
import { GroupCommit, type Settled } from '../src/group-commit.ts';

describe('GroupCommit', () => {
  it('batches what arrives while a commit is in flight, at most maxBatch at a time, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((i): Settled<number> => ({ ok: true, value: i * 10 }));
    }, 3);
    const first = gc.submit(0);
    await new Promise((r) => setImmediate(r)); // the first batch is now in flight
    const rest = [1, 2, 3, 4, 5, 6, 7].map((i) => gc.submit(i));
    expect(gc.waiting).toBe(7);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  it('settles each item on its own, and rejects a whole batch when the commit throws', async () => {
    let calls = 0;
    const gc = new GroupCommit<number, number>(async (items) => {
      if (++calls === 2) throw new Error('database gone');
      return items.map(
        (i): Settled<number> => (i === 2 ? { ok: false, error: new Error('bad') } : { ok: true, value: i }),
      );
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(gc.submit(4)).rejects.toThrow('database gone');
    await expect(gc.submit(5)).resolves.toBe(5);
  });

  it('runs up to `concurrency` batches at once, and items that arrive in one turn start together', async () => {
    const batches: number[][] = [];
    const releases: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const gc = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        most = Math.max(most, ++inFlight);
        await new Promise<void>((r) => releases.push(r));
        inFlight--;
        return items.map((i): Settled<number> => ({ ok: true, value: -i }));
      },
      { maxBatch: 2, concurrency: 2 },
    );
    const all = [1, 2, 3, 4, 5, 6].map((i) => gc.submit(i));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(gc.waiting).toBe(2);
    while (batches.length < 3 || releases.length > 0) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(all)).toEqual([-1, -2, -3, -4, -5, -6]);
    expect(most).toBe(2);
    expect(batches[2]).toEqual([5, 6]);
  });
});
