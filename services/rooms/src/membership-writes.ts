import { logEvents, type NewEvent } from '@natter/events';
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
  /** The member count after a leave that happened. */
  members?: number;
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
  const byRoom = new Map<string, number[]>();
  for (const [i, item] of items.entries()) {
    const list = byRoom.get(item.room);
    if (list) list.push(i);
    else byRoom.set(item.room, [i]);
  }
  const rooms = [...byRoom.keys()].sort(cmp);
  try {
    return await tx(`${items.length} membership changes`, async (db) => {
      const out: Settled<JoinResult | LeaveResult>[] = new Array(items.length);
      for (const room of rooms) {
        const idx = byRoom.get(room)!;
        const results = await writeRoom(
          db,
          room,
          idx.map((i) => items[i]!),
        );
        idx.forEach((i, k) => {
          out[i] = results[k]!;
        });
      }
      return out;
    });
  } catch (err) {
    if (items.length === 1 || (err instanceof NatterError && err.code === 'unavailable')) throw err;
    return oneByOne(items, (item) => tx(`${item.kind} ${item.room}`, (db) => write(db, item)));
  }
}

/**
 * One room's writes of a batch, in their order, as if run one after another under the room's
 * lock: the row is locked once, every item's membership, invitation and rooms-per-user count
 * read in three statements, the decisions (and each item's `member_ver`) made in order here,
 * and the net change written in three more. A room that does not exist yet (its first join
 * creates it) goes item by item.
 */
async function writeRoom(
  db: Db,
  room: string,
  group: MemberWrite[],
): Promise<Settled<JoinResult | LeaveResult>[]> {
  const { rows } = await db.query<{ private: boolean; member_count: number; member_ver: string }>(
    'SELECT private, member_count, member_ver FROM rooms WHERE name = $1 FOR NO KEY UPDATE',
    [room],
  );
  const r = rows[0];
  if (!r) return eachAlone(db, group);
  const users = [...new Set(group.map((w) => w.user))].sort(cmp);
  const state = await db.query<{ user: string; member: boolean; invited: boolean }>(
    `SELECT u AS "user",
            EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = u) AS member,
            EXISTS (SELECT 1 FROM invites WHERE room = $1 AND "user" = u) AS invited
       FROM unnest($2::text[]) AS u`,
    [room, users],
  );
  const wasMember = new Set(state.rows.filter((x) => x.member).map((x) => x.user));
  const invited = new Set(state.rows.filter((x) => x.invited).map((x) => x.user));
  // The rooms-per-user counts of those who may join, under their locks (taken in user order,
  // after the room's, like a single join).
  const joiners = users.filter(
    (u) => !wasMember.has(u) && group.some((w) => w.kind === 'join' && w.user === u),
  );
  const roomsOf = new Map<string, number>();
  if (joiners.length) {
    await db.query('SELECT pg_advisory_xact_lock($1, hashtext(u)) FROM unnest($2::text[]) AS u', [
      USER_LOCK_SPACE,
      joiners,
    ]);
    const counts = await db.query<{ user: string; n: number }>(
      `SELECT u AS "user", (SELECT count(*) FROM members WHERE "user" = u)::int AS n FROM unnest($1::text[]) AS u`,
      [joiners],
    );
    for (const c of counts.rows) roomsOf.set(c.user, c.n);
  }
  const member = new Set(wasMember);
  const usedInvite = new Set<string>();
  let count = r.member_count;
  let ver = Number(r.member_ver);
  const out: Settled<JoinResult | LeaveResult>[] = group.map((w) => {
    if (w.kind === 'leave') {
      if (!member.delete(w.user)) return { ok: true, value: { left: false, ver } };
      count--;
      return { ok: true, value: { left: true, ver: ++ver, members: count } };
    }
    if (member.has(w.user)) return { ok: true, value: { joined: false, created: false, ver } };
    const mayUseInvite = invited.has(w.user) && !usedInvite.has(w.user);
    if (r.private && !mayUseInvite) return { ok: false, error: privateRoomError(room) };
    if (count >= w.limits.maxRoomMembers) return { ok: false, error: roomFullError(room, w.limits) };
    const n = roomsOf.get(w.user) ?? 0;
    if (n >= w.limits.maxRoomsPerUser) return { ok: false, error: roomsPerUserError(w.user, w.limits) };
    roomsOf.set(w.user, n + 1);
    if (mayUseInvite) usedInvite.add(w.user);
    member.add(w.user);
    count++;
    return { ok: true, value: { joined: true, created: false, ver: ++ver, members: count } };
  });
  if (ver === Number(r.member_ver)) return out;
  // The event log (outbox), in the order the changes took their versions.
  const events: NewEvent[] = [];
  group.forEach((w, k) => {
    const o = out[k]!;
    if (!o.ok) return;
    if ('joined' in o.value && o.value.joined) events.push(memberJoined(room, w.user));
    if ('left' in o.value && o.value.left) events.push(memberLeft(room, w.user));
  });
  await logEvents(db, events);
  const added = [...member].filter((u) => !wasMember.has(u));
  const removed = [...wasMember].filter((u) => !member.has(u));
  await db.query(
    `WITH used AS (DELETE FROM invites WHERE room = $1 AND "user" = ANY($2::text[])),
          gone AS (DELETE FROM members WHERE room = $1 AND "user" = ANY($3::text[])),
          added AS (INSERT INTO members (room, "user") SELECT $1, u FROM unnest($4::text[]) AS u)
     UPDATE rooms SET member_count = $5, member_ver = $6 WHERE name = $1`,
    [room, [...usedInvite], removed, added, count, ver],
  );
  return out;
}

/** Items one at a time (a room that does not exist yet): refusals fail alone. */
async function eachAlone(db: Db, group: MemberWrite[]): Promise<Settled<JoinResult | LeaveResult>[]> {
  const out: Settled<JoinResult | LeaveResult>[] = [];
  for (const w of group) {
    try {
      out.push({ ok: true, value: await write(db, w) });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      out.push({ ok: false, error });
    }
  }
  return out;
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
  const added = await addMember(db, room, user);
  await logEvents(db, [...(created ? [roomCreated(room, false, user)] : []), memberJoined(room, user)]);
  return { joined: true, created, ...added };
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
  const upd = await db.query<{ member_ver: string; member_count: number }>(
    `WITH gone AS (DELETE FROM members WHERE room = $1 AND "user" = $2)
     UPDATE rooms SET member_count = member_count - 1, member_ver = member_ver + 1
      WHERE name = $1 RETURNING member_ver, member_count`,
    [room, user],
  );
  await logEvents(db, [memberLeft(room, user)]);
  return { left: true, ver: Number(upd.rows[0]!.member_ver), members: upd.rows[0]!.member_count };
}

/** The event log's entries for membership (libs/contracts log-events). */
export function roomCreated(room: string, isPrivate: boolean, owner: string): NewEvent {
  return { type: 'room.created', data: { room, private: isPrivate, owner } };
}

export function memberJoined(room: string, user: string): NewEvent {
  return { type: 'member.joined', data: { room, user } };
}

function memberLeft(room: string, user: string): NewEvent {
  return { type: 'member.left', data: { room, user, reason: 'left' } };
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
 * Adds the member (consuming its invitation, when there is one) under the room's lock, in one statement;
 * returns the room's new membership version and member count.
 */
export async function addMember(
  db: Db,
  room: string,
  user: string,
): Promise<{ ver: number; members: number }> {
  const { rows } = await db.query<{ member_ver: string; member_count: number }>(
    `WITH used AS (DELETE FROM invites WHERE room = $1 AND "user" = $2),
          added AS (INSERT INTO members (room, "user") VALUES ($1, $2))
     UPDATE rooms SET member_count = member_count + 1, member_ver = member_ver + 1
      WHERE name = $1 RETURNING member_ver, member_count`,
    [room, user],
  );
  return { ver: Number(rows[0]!.member_ver), members: rows[0]!.member_count };
}
