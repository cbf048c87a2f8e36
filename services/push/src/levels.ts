import { defaultNotifyLevel, type NotifyLevel } from '@natter/protocol';
import type pg from 'pg';

/** 1.1 "Notification level": all for DMs, mentions for rooms, unless the user chose. */
export const defaultLevel = defaultNotifyLevel;

/** Stores the user's level of `conv` (`until` absent: for good). */
export async function setLevel(
  pool: pg.Pool,
  user: string,
  conv: string,
  level: NotifyLevel,
  until: string | undefined,
): Promise<void> {
  await pool.query(
    `INSERT INTO push_notify (conv, user_id, level, until) VALUES ($1, $2, $3, $4)
     ON CONFLICT (conv, user_id) DO UPDATE SET level = EXCLUDED.level, until = EXCLUDED.until`,
    [conv, user, level, until ?? null],
  );
}

/**
 * The levels users chose for `conv` that are in force now (an expired `until` is the
 * default again). With `level`, only the users who chose that one.
 */
export async function chosenLevels(
  db: pg.Pool | pg.PoolClient,
  conv: string,
  opts: { users?: string[]; level?: NotifyLevel } = {},
): Promise<Map<string, NotifyLevel>> {
  const { rows } = await db.query<{ user_id: string; level: NotifyLevel }>(
    `SELECT user_id, level FROM push_notify
      WHERE conv = $1 AND (until IS NULL OR until > now())
        AND ($2::text[] IS NULL OR user_id = ANY($2::text[]))
        AND ($3::text IS NULL OR level = $3)`,
    [conv, opts.users ?? null, opts.level ?? null],
  );
  return new Map(rows.map((r) => [r.user_id, r.level]));
}

/** The levels each user chose and that are in force now, in the order asked. */
export async function levelsOf(
  pool: pg.Pool,
  users: string[],
): Promise<{ conv: string; level: NotifyLevel }[][]> {
  const { rows } = await pool.query<{ user_id: string; conv: string; level: NotifyLevel }>(
    `SELECT user_id, conv, level FROM push_notify
      WHERE user_id = ANY($1::text[]) AND (until IS NULL OR until > now())`,
    [users],
  );
  const by = new Map<string, { conv: string; level: NotifyLevel }[]>();
  for (const r of rows) by.set(r.user_id, [...(by.get(r.user_id) ?? []), { conv: r.conv, level: r.level }]);
  return users.map((u) => by.get(u) ?? []);
}
