import type { RpcClient } from '@natter/contracts';
import type { Ordering } from './ordering.ts';
import type { Registry } from './registry.ts';

/** Users or rooms per `historyPositions` request (history's bound is 1000). */
const BATCH = 500;

/**
 * Live deliveries travel over core NATS, at most once: a broker restart, or a connection
 * lost and back, drops what was in flight, and nothing would redeliver it until the next
 * message of that conversation revealed the gap. So after every reconnect, and every
 * NATTER_POSITION_CHECK_SEC while nothing happens, the gateway asks history where its users'
 * conversations are (their rooms, and every DM of theirs) and the ordering edge fetches, once
 * per conversation, whatever it has not delivered up to there.
 */
export async function checkPositions(
  rpc: RpcClient,
  registry: Registry,
  ordering: Ordering,
  /** Periodic: only conversations gone quiet (Ordering.repair); after a reconnect: all. */
  whileIdle: boolean,
): Promise<void> {
  const users = [...registry.users()];
  const rooms = [...new Set(users.flatMap((u) => [...registry.roomsOf(u)]))];
  const requests: { users: string[]; rooms: string[] }[] = [];
  for (let i = 0; i < users.length; i += BATCH)
    requests.push({ users: users.slice(i, i + BATCH), rooms: [] });
  for (let i = 0; i < rooms.length; i += BATCH)
    requests.push({ users: [], rooms: rooms.slice(i, i + BATCH) });
  for (const req of requests) {
    const { positions } = await rpc.call('historyPositions', { v: 1, ...req });
    for (const p of positions) ordering.repair(p.conv, p.ver, { whileIdle });
  }
}
