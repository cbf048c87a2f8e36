import type { EventData, RpcClient } from '@natter/contracts';
import { transaction } from '@natter/db';
import { type LoggedEvent, latestCursor, readEvents } from '@natter/events';
import { parseConv } from '@natter/protocol';
import type pg from 'pg';
import { usersWithDevices } from './devices.ts';
import { chosenLevels, defaultLevel } from './levels.ts';

type Message = EventData['message.created'];

/** Longest preview a pending push keeps of the latest message. */
const BODY_CHARS = 200;
const PAGE = 200;

export interface DecideOptions {
  pool: pg.Pool;
  rpc: RpcClient;
  delayMs: number;
  /** NATTER_PUSH_WEBHOOK: every recipient counts, devices or not (the deployment pushes). */
  everyone: boolean;
}

/**
 * Who a message may need to reach (PROTOCOL 1.1 section 4): the DM peer, or the room's
 * members whose level asks for it (mentions under `mentions`, everything under `all`);
 * never the sender, never under `none`. A thread's are its parent's members.
 */
export async function recipients(o: DecideOptions, m: Message): Promise<string[]> {
  const parsed = parseConv(m.conv);
  if (!parsed) return [];
  // A thread's kind and users are its parent's (parseConv says so).
  const parent = parsed;
  let members: string[];
  if (parent.kind === 'dm') members = parent.users.filter((u) => u !== m.from);
  else {
    const roster = await o.rpc.call('rooms.roster', { v: 1, room: parent.room });
    members = roster.members.filter((u) => u !== m.from);
  }
  if (members.length === 0) return [];
  const fallback = defaultLevel(m.conv);
  const mentioned = new Set(m.mentions ?? []);
  // A big room under the default (mentions) reads only the few levels users chose.
  const chosen = await chosenLevels(o.pool, m.conv, fallback === 'all' ? { users: members } : {});
  const member = new Set(members);
  const wanted = (u: string) => {
    const level = chosen.get(u) ?? fallback;
    return level === 'all' || (level === 'mentions' && (parent.kind === 'dm' || mentioned.has(u)));
  };
  const candidates = new Set<string>();
  for (const u of fallback === 'all' ? members : [...mentioned, ...chosen.keys()]) {
    if (member.has(u) && wanted(u)) candidates.add(u);
  }
  if (o.everyone) return [...candidates];
  const reachable = await usersWithDevices(o.pool, [...candidates]);
  return [...candidates].filter((u) => reachable.has(u));
}

/**
 * Folds one page of the log into push_pending, and moves the log position, in one
 * transaction: a crash repeats the page (the upsert counts a message once: `last_seq`
 * only grows), it never skips one. Returns how many events it read.
 */
export async function decidePage(o: DecideOptions): Promise<number> {
  const { rows } = await o.pool.query<{ after: string | null }>(
    "SELECT after FROM push_state WHERE name = 'log'",
  );
  if (!rows[0]) {
    // First start: from now on (what was sent before the service existed is not pushed).
    await o.pool.query("INSERT INTO push_state (name, after) VALUES ('log', $1) ON CONFLICT DO NOTHING", [
      (await latestCursor(o.pool)) ?? null,
    ]);
    return 0;
  }
  const page = await readEvents(o.pool, rows[0].after ?? undefined, PAGE);
  if (page.length === 0) return 0;
  const writes: { user: string; m: Message }[] = [];
  for (const ev of page as LoggedEvent[]) {
    if (ev.type !== 'message.created' || ev.data.deleted) continue;
    for (const user of await recipients(o, ev.data)) writes.push({ user, m: ev.data });
  }
  await transaction(o.pool, async (c) => {
    for (const { user, m } of writes) {
      await c.query(
        `INSERT INTO push_pending (user_id, conv, count, last_seq, mid, sender, body, due_at)
         VALUES ($1, $2, 1, $3, $4, $5, $6, now() + make_interval(secs => $7))
         ON CONFLICT (user_id, conv) DO UPDATE SET
           count = push_pending.count + 1, last_seq = EXCLUDED.last_seq, mid = EXCLUDED.mid,
           sender = EXCLUDED.sender, body = EXCLUDED.body,
           due_at = COALESCE(push_pending.due_at, EXCLUDED.due_at)
         WHERE push_pending.last_seq < EXCLUDED.last_seq`,
        [user, m.conv, m.seq, m.mid, m.from, preview(m), o.delayMs / 1000],
      );
    }
    await c.query("UPDATE push_state SET after = $1 WHERE name = 'log'", [page.at(-1)!.cursor]);
    return { value: undefined, commit: true };
  });
  return page.length;
}

function preview(m: Message): string {
  const text = m.text ?? (m.attachments?.length ? '[attachment]' : '');
  const chars = [...text];
  return chars.length > BODY_CHARS ? `${chars.slice(0, BODY_CHARS - 1).join('')}…` : text;
}
