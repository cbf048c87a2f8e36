import type { ConnectResult, Target, UserSpec } from '../lib/ipc.ts';
import { type Ctx, sleep } from './context.ts';

const STALL_MS = 10_000;

/**
 * Connects one room's sender (worker 0, node 1) and its members (alternating nodes, spread
 * over the workers), as `fanout` and `reactions` use them.
 */
export async function connectRoom(
  ctx: Ctx,
  what: string,
  target: Target,
  room: string,
  sender: string,
  members: string[],
): Promise<void> {
  const conns = await ctx.pool.all<ConnectResult>((w) => ({
    cmd: 'connect',
    target,
    users: [
      ...(w === 0 ? [{ user: sender, node: 0, rooms: [room] }] : []),
      ...members
        .map((user, i): UserSpec & { i: number } => ({ user, node: i % 2, rooms: [room], i }))
        .filter((u) => u.i % ctx.pool.size === w)
        .map(({ i: _i, ...u }) => u),
    ],
    concurrency: 50,
  }));
  const failed = conns.reduce((n, c) => n + c.failed, 0);
  if (failed > 0)
    throw new Error(`${what}: ${failed} connections failed: ${conns.find((c) => c.firstError)?.firstError}`);
}

/**
 * Polls the workers with `cmd` until `received` over their answers reaches `expected` (and
 * `done`, when given, holds), or nothing new arrived for STALL_MS.
 */
export async function collectUntil<T>(
  ctx: Ctx,
  cmd: 'recv-stats' | 'react-stats',
  received: (s: T) => number,
  expected: number,
  done: (stats: T[]) => boolean = () => true,
): Promise<T[]> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await ctx.pool.all<T>(() => ({ cmd }));
    const got = stats.reduce((n, s) => n + received(s), 0);
    if (got >= expected && done(stats)) return stats;
    if (got !== last) {
      last = got;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) {
      return stats;
    }
    await sleep(100);
  }
}
