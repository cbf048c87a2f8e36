import { isConnectionError } from '@natter/db';
import { logEvents } from '@natter/events';
import { NatterError } from '@natter/protocol';
import { backendUnavailable, GroupCommit } from '@natter/service';
import type pg from 'pg';
import {
  addMember,
  checkRoomsPerUser,
  commitWrites,
  type LeaveResult,
  type MemberWrite,
  memberJoined,
  roomCreated,
} from './membership-writes.ts';
import {
  type Invitation,
  type JoinResult,
  type Membership,
  noRoomError,
  notMemberError,
  type RoomLimits,
  type RoomStore,
  type RoomSummary,
  type Roster,
  roomExistsError,
  UNCONFIGURED_ROOM_LIMITS,
} from './store.ts';

/** A query failed for a reason other than the connection (a bug or a schema mismatch); `cause` has pg's error. */
export class RoomStoreError extends Error {
  override readonly name = 'RoomStoreError';
}

type Db = pg.PoolClient;

/**
 * RoomStore on Postgres (tables from migrations/001_rooms.sql). Every write runs in one
 * transaction that first locks the room's row, so joins, leaves and invites of one room are
 * serialized across every service instance; `rooms.member_count` is kept in the same
 * transaction. A user's joins and creates also take a per-user advisory lock, always after the
 * room's, so the rooms-per-user limit holds under concurrency and lock order cannot deadlock.
 */
export class PgRoomStore implements RoomStore {
  /** Joins and leaves, group-committed (membership-writes.ts). */
  private readonly writes: GroupCommit<MemberWrite, JoinResult | LeaveResult>;

  constructor(
    private readonly pool: pg.Pool,
    opts: { maxBatch?: number; onBatch?: (size: number) => void } = {},
  ) {
    this.writes = new GroupCommit(async (items) => {
      opts.onBatch?.(items.length);
      return commitWrites(items, (what, fn) => this.tx(what, fn));
    }, opts.maxBatch ?? 200);
  }

  join(room: string, user: string, limits: RoomLimits = UNCONFIGURED_ROOM_LIMITS): Promise<JoinResult> {
    return this.writes.submit({ kind: 'join', room, user, limits }) as Promise<JoinResult>;
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
      await checkRoomsPerUser(db, user, limits);
      const { ver } = await addMember(db, room, user);
      await logEvents(db, [roomCreated(room, isPrivate, user), memberJoined(room, user)]);
      return { ver };
    });
  }

  invite(room: string, by: string, user: string): Promise<{ invited: boolean; private: boolean }> {
    return this.tx(`invite to ${room}`, async (db) => {
      // FOR SHARE waits for a join or leave of this room in flight, so "is a member" is current.
      const { rows } = await db.query<{ by_member: boolean; user_member: boolean; private: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $2) AS by_member,
                EXISTS (SELECT 1 FROM members WHERE room = $1 AND "user" = $3) AS user_member,
                private
           FROM rooms WHERE name = $1 FOR SHARE`,
        [room, by, user],
      );
      const r = rows[0];
      if (!r) throw noRoomError(room);
      if (!r.by_member) throw notMemberError(room, by);
      if (r.user_member) return { invited: false, private: r.private };
      await db.query(
        `INSERT INTO invites (room, "user", invited_by) VALUES ($1, $2, $3)
         ON CONFLICT (room, "user") DO UPDATE SET invited_by = EXCLUDED.invited_by, invited_at = now()`,
        [room, user, by],
      );
      return { invited: true, private: r.private };
    });
  }

  async invites(user: string, limit: number): Promise<Invitation[]> {
    // invites_user_idx (migration 003) serves this without scanning other users' invitations.
    const { rows } = await this.query<{ room: string; by: string; at: Date }>(
      `invites of ${user}`,
      `SELECT room, invited_by AS by, invited_at AS at FROM invites
        WHERE "user" = $1 ORDER BY invited_at DESC, room LIMIT $2`,
      [user, limit],
    );
    return rows.map((r) => ({ room: r.room, by: r.by, ts: r.at.toISOString() }));
  }

  async decline(room: string, user: string): Promise<void> {
    await this.query(`decline ${room}`, `DELETE FROM invites WHERE room = $1 AND "user" = $2`, [room, user]);
  }

  leave(room: string, user: string): Promise<{ left: boolean; ver: number }> {
    return this.writes.submit({ kind: 'leave', room, user }) as Promise<LeaveResult>;
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
    return (await this.listMineMany([user]))[0]!;
  }

  async listMineMany(users: string[]): Promise<RoomSummary[][]> {
    const out: RoomSummary[][] = users.map(() => []);
    if (users.length === 0) return out;
    // One statement for all: each row says whose (by position) it is, so lists never mix.
    const { rows } = await this.query<SummaryRow & { i: number }>(
      `list rooms of ${users.length} users`,
      `SELECT q.i::int AS i, r.name, r.private, r.member_count, r.member_ver,
              CASE WHEN r.created_by = q."user" THEN 'owner' ELSE 'member' END AS role
         FROM unnest($1::text[]) WITH ORDINALITY AS q("user", i)
         JOIN members m ON m."user" = q."user"
         JOIN rooms r ON r.name = m.room
        ORDER BY q.i, r.name`,
      [users],
    );
    for (const r of rows) out[r.i - 1]!.push(toSummary(r));
    return out;
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
    const { rows } = await this.query<{
      private: boolean;
      members: string[];
      ver: string;
      created_by: string;
    }>(
      `roster of ${room}`,
      `SELECT r.private, r.member_ver AS ver, r.created_by,
              COALESCE(array_agg(m."user" ORDER BY m."user") FILTER (WHERE m."user" IS NOT NULL), '{}') AS members
         FROM rooms r LEFT JOIN members m ON m.room = r.name
        WHERE r.name = $1 GROUP BY r.name, r.private, r.member_ver, r.created_by`,
      [room],
    );
    const r = rows[0];
    return r
      ? { exists: true, private: r.private, members: r.members, ver: Number(r.ver), owner: r.created_by }
      : { exists: false, private: false, members: [], ver: 0 };
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1', []);
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
interface SummaryRow {
  name: string;
  private: boolean;
  member_count: number;
  member_ver: string;
  role?: 'owner' | 'member';
}

function toSummary(r: SummaryRow): RoomSummary {
  const s: RoomSummary = {
    room: r.name,
    private: r.private,
    members: r.member_count,
    ver: Number(r.member_ver),
  };
  if (r.role) s.role = r.role;
  return s;
}

function wrap(what: string, err: unknown): Error {
  if (err instanceof NatterError) return err;
  if (isConnectionError(err)) {
    return backendUnavailable('rooms database', err);
  }
  return new RoomStoreError(`rooms store: ${what} failed`, { cause: err });
}
