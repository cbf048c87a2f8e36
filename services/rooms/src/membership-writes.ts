import { NatterError } from '@natter/protocol';
import { oneByOne, type Settled } from '@natter/service';
import type pg from 'pg';
import {
  type JoinResult,
  noRoomError,
  privateRoomError,
  type RoomLimits,
  roomFullError,
  roomsPerUserError,
} from './store.ts';

type Db = pg.PoolClient;

/** One membership write waiting for a group commit. */
export type MemberWrite =
  | { kind: 'join'; room: string; user: string; limits: RoomLimits }
  | { kind: 'leave'; room: string; user: string };

export interface LeaveResult {
  left: boolean;
  ver: number;
}

/** Runs `fn` in one transaction (PgRoomStore.tx: errors mapped, a broken connection not reused). */
export type RunTx = <T>(what: string, fn: (db: Db) => Promise<T>) => Promise<T>;

/**
 * Namespace of the advisory locks that serialize one user's joins and creates (the
 * rooms-per-user limit). The two-int form of pg_advisory_xact_lock never collides with the
 * one-bigint form other services or node-pg-migrate use.
 */
const USER_LOCK_SPACE = 0x524f; // "RO"

/**
 * Group commit of joins and leaves: one transaction, one COMMIT (one WAL flush) for a whole
 * batch, where a storm of joins to one room used to queue one transaction at a time on the
 * room's row lock. Items run in (room, user) order, so two instances' batches take room
 * locks in the same order. Each item still locks its room's row and takes the room's next
 * `member_ver` under that lock, in the same transaction as its write, so versions stay one
 * per change and in commit order. An item refused by a rule (private room, a limit) changes
 * nothing: every check comes before its writes, and a join that creates the room runs under
 * a savepoint. If Postgres rejects the batch itself (a deadlock with another instance, a bug)
 * the items are written again one by one, each alone, so only a culprit fails; a lost
 * connection fails them all with `unavailable` (nothing was committed).
 */
export async function commitWrites(
  items: MemberWrite[],
  tx: RunTx,
): Promise<Settled<JoinResult | LeaveResult>[]> {
  const order = items.map((_, i) => i);
  order.sort((a, b) => cmp(items[a]!.room, items[b]!.room) || cmp(items[a]!.user, items[b]!.user));
  try {
    return await tx(`${items.length} membership changes`, async (db) => {
      const out: Settled<JoinResult | LeaveResult>[] = new Array(items.length);
      for (const i of order) {
        try {
          out[i] = { ok: true, value: await write(db, items[i]!) };
        } catch (error) {
          if (!isRefusal(error)) throw error;
          out[i] = { ok: false, error };
        }
      }
      return out;
    });
  } catch (err) {
    if (items.length === 1 || (err instanceof NatterError && err.code === 'unavailable')) throw err;
    return oneByOne(items, (item) => tx(`${item.kind} ${item.room}`, (db) => write(db, item)));
  }
}

/** A rule said no (forbidden, not_found): the item fails alone, the batch goes on. */
function isRefusal(err: unknown): boolean {
  return err instanceof NatterError && err.code !== 'unavailable' && err.code !== 'internal';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(db: Db, w: MemberWrite): Promise<JoinResult | LeaveResult> {
  return w.kind === 'join' ? join(db, w.room, w.user, w.limits) : leave(db, w.room, w.user);
}

interface RoomState {
  private: boolean;
  member_count: number;
  member_ver: string;
  member: boolean;
  invited: boolean;
}

/** The room's row, locked for this transaction, with what a join needs to decide. */
async function lockRoom(db: Db, room: string, user: string): Promise<RoomState | undefined> {
  const { rows } = await db.query<RoomState>(
    `SELECT private, member_count, member_ver,
            EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $2) AS member,
            EXISTS (SELECT 1 FROM invites WHERE room = $1 AND "user" = $2) AS invited
       FROM rooms WHERE name = $1 FOR NO KEY UPDATE`,
    [room, user],
  );
  return rows[0];
}

async function join(db: Db, room: string, user: string, limits: RoomLimits): Promise<JoinResult> {
  const r = await lockRoom(db, room, user);
  if (r) return joinExisting(db, room, user, limits, r, false);
  // A new room: its INSERT is a write before the checks, so it gets a savepoint, and a
  // refused join leaves no empty room behind. Concurrent creators wait on the unique index.
  await db.query('SAVEPOINT new_room');
  try {
    const ins = await db.query(
      'INSERT INTO rooms (name, private, created_by) VALUES ($1, false, $2) ON CONFLICT (name) DO NOTHING',
      [room, user],
    );
    const locked = (await lockRoom(db, room, user))!;
    const out = await joinExisting(db, room, user, limits, locked, ins.rowCount === 1);
    await db.query('RELEASE SAVEPOINT new_room');
    return out;
  } catch (err) {
    if (isRefusal(err)) await db.query('ROLLBACK TO SAVEPOINT new_room');
    throw err;
  }
}

/** Every check before any write, so a refusal changes nothing. */
async function joinExisting(
  db: Db,
  room: string,
  user: string,
  limits: RoomLimits,
  r: RoomState,
  created: boolean,
): Promise<JoinResult> {
  if (r.member) return { joined: false, created: false, ver: Number(r.member_ver) };
  if (r.private && !r.invited) throw privateRoomError(room);
  if (r.member_count >= limits.maxRoomMembers) throw roomFullError(room, limits);
  await checkRoomsPerUser(db, user, limits);
  return { joined: true, created, ver: await addMember(db, room, user) };
}

async function leave(db: Db, room: string, user: string): Promise<LeaveResult> {
  const { rows } = await db.query<{ member_ver: string; member: boolean }>(
    `SELECT member_ver, EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $2) AS member
       FROM rooms WHERE name = $1 FOR NO KEY UPDATE`,
    [room, user],
  );
  const r = rows[0];
  if (!r) throw noRoomError(room);
  if (!r.member) return { left: false, ver: Number(r.member_ver) };
  const upd = await db.query<{ member_ver: string }>(
    `WITH gone AS (DELETE FROM members WHERE room = $1 AND "user" = $2)
     UPDATE rooms SET member_count = member_count - 1, member_ver = member_ver + 1
      WHERE name = $1 RETURNING member_ver`,
    [room, user],
  );
  return { left: true, ver: Number(upd.rows[0]!.member_ver) };
}

/** The rooms-per-user limit, under the user's advisory lock (always taken after the room's). */
export async function checkRoomsPerUser(db: Db, user: string, limits: RoomLimits): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [USER_LOCK_SPACE, user]);
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM members WHERE "user" = $1', [
    user,
  ]);
  if (rows[0]!.n >= limits.maxRoomsPerUser) throw roomsPerUserError(user, limits);
}

/**
 * Adds the member (consuming its invitation, if any) under the room's lock, in one statement;
 * returns the room's new membership version.
 */
export async function addMember(db: Db, room: string, user: string): Promise<number> {
  const { rows } = await db.query<{ member_ver: string }>(
    `WITH used AS (DELETE FROM invites WHERE room = $1 AND "user" = $2),
          added AS (INSERT INTO members (room, "user") VALUES ($1, $2))
     UPDATE rooms SET member_count = member_count + 1, member_ver = member_ver + 1
      WHERE name = $1 RETURNING member_ver`,
    [room, user],
  );
  return Number(rows[0]!.member_ver);
}
