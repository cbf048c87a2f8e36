import { isConnectionError } from '@natter/db';
import { logEvents, type NewEvent } from '@natter/events';
import { NatterError } from '@natter/protocol';
import { backendUnavailable } from '@natter/service';
import type pg from 'pg';
import {
  type JoinResult,
  type Membership,
  noRoomError,
  notMemberError,
  privateRoomError,
  type RoomLimits,
  type RoomStore,
  type RoomSummary,
  type Roster,
  roomExistsError,
  roomFullError,
  roomsPerUserError,
  UNCONFIGURED_ROOM_LIMITS,
} from './store.ts';

/** A query failed for a reason other than the connection (a bug or a schema mismatch); `cause` has pg's error. */
export class RoomStoreError extends Error {
  override readonly name = 'RoomStoreError';
}

/**
 * Namespace of the advisory locks that serialize one user's joins and creates (the
 * rooms-per-user limit). The two-int form of pg_advisory_xact_lock never collides with the
 * one-bigint form other services or node-pg-migrate use.
 */
const USER_LOCK_SPACE = 0x524f; // "RO"

type Db = pg.PoolClient;

/**
 * RoomStore on Postgres (tables from migrations/001_rooms.sql). Every write runs in one
 * transaction that first locks the room's row, so joins, leaves and invites of one room are
 * serialized across every service instance; `rooms.member_count` is kept in the same
 * transaction. A user's joins and creates also take a per-user advisory lock, always after the
 * room's, so the rooms-per-user limit holds under concurrency and lock order cannot deadlock.
 */
export class PgRoomStore implements RoomStore {
  constructor(private readonly pool: pg.Pool) {}

  join(room: string, user: string, limits: RoomLimits = UNCONFIGURED_ROOM_LIMITS): Promise<JoinResult> {
    return this.tx(`join ${room}`, async (db) => {
      // Concurrent creators of one name wait on the unique index; exactly one inserts.
      const ins = await db.query(
        'INSERT INTO rooms (name, private, created_by) VALUES ($1, false, $2) ON CONFLICT (name) DO NOTHING',
        [room, user],
      );
      const created = ins.rowCount === 1;
      const { rows } = await db.query<{ private: boolean; member_count: number; member_ver: string }>(
        'SELECT private, member_count, member_ver FROM rooms WHERE name = $1 FOR NO KEY UPDATE',
        [room],
      );
      const r = rows[0]!;
      const member = await db.query('SELECT 1 FROM members WHERE room = $1 AND "user" = $2', [room, user]);
      if (member.rowCount === 1) return { joined: false, created: false, ver: Number(r.member_ver) };
      const invite = await db.query('DELETE FROM invites WHERE room = $1 AND "user" = $2', [room, user]);
      if (r.private && invite.rowCount === 0) throw privateRoomError(room);
      if (r.member_count >= limits.maxRoomMembers) throw roomFullError(room, limits);
      await this.checkRoomsPerUser(db, user, limits);
      const ver = await this.addMember(db, room, user);
      await logEvents(db, [
        ...(created ? [roomCreated(room, false, user)] : []),
        { type: 'member.joined', data: { room, user } },
      ]);
      return { joined: true, created, ver };
    });
  }

  create(
    room: string,
    user: string,
    isPrivate: boolean,
    limits: RoomLimits = UNCONFIGURED_ROOM_LIMITS,
  ): Promise<{ ver: number }> {
    return this.tx(`create ${room}`, async (db) => {
      const ins = await db.query(
        'INSERT INTO rooms (name, private, created_by) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [room, isPrivate, user],
      );
      if (ins.rowCount !== 1) throw roomExistsError(room);
      await this.checkRoomsPerUser(db, user, limits);
      const ver = await this.addMember(db, room, user);
      await logEvents(db, [
        roomCreated(room, isPrivate, user),
        { type: 'member.joined', data: { room, user } },
      ]);
      return { ver };
    });
  }

  invite(room: string, by: string, user: string): Promise<void> {
    return this.tx(`invite to ${room}`, async (db) => {
      // FOR SHARE waits for a join or leave of this room in flight, so "is a member" is current.
      const { rows } = await db.query<{ by_member: boolean; user_member: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $2) AS by_member,
                EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $3) AS user_member
           FROM rooms WHERE name = $1 FOR SHARE`,
        [room, by, user],
      );
      const r = rows[0];
      if (!r) throw noRoomError(room);
      if (!r.by_member) throw notMemberError(room, by);
      if (r.user_member) return;
      await db.query(
        `INSERT INTO invites (room, "user", invited_by) VALUES ($1, $2, $3)
         ON CONFLICT (room, "user") DO UPDATE SET invited_by = EXCLUDED.invited_by, invited_at = now()`,
        [room, user, by],
      );
    });
  }

  leave(room: string, user: string): Promise<{ left: boolean; ver: number }> {
    return this.tx(`leave ${room}`, async (db) => {
      const { rows } = await db.query<{ member_ver: string }>(
        'SELECT member_ver FROM rooms WHERE name = $1 FOR NO KEY UPDATE',
        [room],
      );
      if (rows.length !== 1) throw noRoomError(room);
      const del = await db.query('DELETE FROM members WHERE room = $1 AND "user" = $2', [room, user]);
      if (del.rowCount !== 1) return { left: false, ver: Number(rows[0]!.member_ver) };
      const upd = await db.query<{ member_ver: string }>(
        `UPDATE rooms SET member_count = member_count - 1, member_ver = member_ver + 1
          WHERE name = $1 RETURNING member_ver`,
        [room],
      );
      await logEvents(db, [{ type: 'member.left', data: { room, user, reason: 'left' } }]);
      return { left: true, ver: Number(upd.rows[0]!.member_ver) };
    });
  }

  async memberships(pairs: { room: string; user: string }[]): Promise<Membership[]> {
    if (pairs.length === 0) return [];
    // One statement, one snapshot: each answer's version is the room's at that snapshot.
    const { rows } = await this.query<{ i: number; member: boolean; ver: string | null }>(
      'memberships',
      `SELECT q.i::int AS i, r.member_ver AS ver,
              EXISTS (SELECT 1 FROM members m WHERE m.room = q.room AND m."user" = q."user") AS member
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(room, "user", i)
         LEFT JOIN rooms r ON r.name = q.room`,
      [pairs.map((p) => p.room), pairs.map((p) => p.user)],
    );
    const out: Membership[] = pairs.map(() => ({ member: false, ver: 0 }));
    for (const r of rows) out[r.i - 1] = { member: r.member, ver: r.ver === null ? 0 : Number(r.ver) };
    return out;
  }

  async listMine(user: string): Promise<RoomSummary[]> {
    const { rows } = await this.query<SummaryRow>(
      `list rooms of ${user}`,
      `SELECT r.name, r.private, r.member_count, r.member_ver FROM members m JOIN rooms r ON r.name = m.room
        WHERE m."user" = $1 ORDER BY r.name`,
      [user],
    );
    return rows.map(toSummary);
  }

  async listPublic(prefix: string, limit: number): Promise<RoomSummary[]> {
    // The pattern is one bound parameter, so Postgres plans it with its value and turns the
    // literal prefix into an index range ("C" collation).
    const pattern = `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
    const { rows } = await this.query<SummaryRow>(
      'list public rooms',
      `SELECT name, private, member_count, member_ver FROM rooms
        WHERE NOT private AND name LIKE $1 ORDER BY name LIMIT $2`,
      [pattern, limit],
    );
    return rows.map(toSummary);
  }

  async roster(room: string): Promise<Roster> {
    // One statement, so privacy and members come from one snapshot.
    const { rows } = await this.query<{ private: boolean; members: string[]; created_by: string }>(
      `roster of ${room}`,
      `SELECT r.private, r.created_by,
              COALESCE(array_agg(m."user" ORDER BY m."user") FILTER (WHERE m."user" IS NOT NULL), '{}') AS members
         FROM rooms r LEFT JOIN members m ON m.room = r.name
        WHERE r.name = $1 GROUP BY r.name, r.private, r.created_by`,
      [room],
    );
    const r = rows[0];
    return r
      ? { exists: true, private: r.private, members: r.members, owner: r.created_by }
      : { exists: false, private: false, members: [] };
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1', []);
  }

  private async checkRoomsPerUser(db: Db, user: string, limits: RoomLimits): Promise<void> {
    await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [USER_LOCK_SPACE, user]);
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM members WHERE "user" = $1',
      [user],
    );
    if (rows[0]!.n >= limits.maxRoomsPerUser) throw roomsPerUserError(user, limits);
  }

  /** Adds the member under the room's lock; returns the room's new membership version. */
  private async addMember(db: Db, room: string, user: string): Promise<number> {
    await db.query('INSERT INTO members (room, "user") VALUES ($1, $2)', [room, user]);
    const { rows } = await db.query<{ member_ver: string }>(
      `UPDATE rooms SET member_count = member_count + 1, member_ver = member_ver + 1
        WHERE name = $1 RETURNING member_ver`,
      [room],
    );
    return Number(rows[0]!.member_ver);
  }

  private async query<R extends pg.QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw wrap(what, err);
    }
  }

  private async tx<T>(what: string, fn: (db: Db) => Promise<T>): Promise<T> {
    let db: Db;
    try {
      db = await this.pool.connect();
    } catch (err) {
      throw wrap(what, err);
    }
    let broken: unknown;
    try {
      await db.query('BEGIN');
      const out = await fn(db);
      await db.query('COMMIT');
      return out;
    } catch (err) {
      if (isConnectionError(err)) broken = err;
      else await db.query('ROLLBACK').catch((rollbackErr: unknown) => (broken = rollbackErr));
      throw wrap(what, err);
    } finally {
      // A client whose connection failed must not go back to the pool.
      db.release(broken !== undefined);
    }
  }
}

/** The room.created event (the outbox: written in the creating transaction). */
function roomCreated(room: string, isPrivate: boolean, owner: string): NewEvent {
  return { type: 'room.created', data: { room, private: isPrivate, owner } };
}

interface SummaryRow {
  name: string;
  private: boolean;
  member_count: number;
  member_ver: string;
}

function toSummary(r: SummaryRow): RoomSummary {
  return { room: r.name, private: r.private, members: r.member_count, ver: Number(r.member_ver) };
}

function wrap(what: string, err: unknown): Error {
  if (err instanceof NatterError) return err;
  if (isConnectionError(err)) {
    return backendUnavailable('rooms database', err);
  }
  return new RoomStoreError(`rooms store: ${what} failed`, { cause: err });
}
