import type pg from 'pg';

/**
 * Data put straight into the databases (SQL, not the protocol), so a scenario measures what
 * it is about and not its setup: stored history for `history`, room membership for `fanout`
 * and `reactions`. Natter's tables are those of libs/messages/migrations and
 * services/rooms/migrations; the peer's are bench/peers/socketio/schema.sql.
 */

export interface HistorySeed {
  /** The conversation measured plain, `dm:<a>:<b>`. */
  conv: string;
  a: string;
  b: string;
  /**
   * Its twin, `dm:<a>:<c>`, laid out the same, whose pages the history scenario decorates
   * (decorateNatterHistory): `a` reads both in alternating blocks, so the plain and the
   * decorated page are timed side by side under the same conditions.
   */
  twin: string;
  c: string;
  /** Messages in `conv`, and in `twin`. */
  convMessages: number;
  /** Other conversations of 100 messages each, so the table is not one conversation. */
  fillerConvs: number;
}

const FILLER_PER_CONV = 100;

/** Half of `total` in the two measured conversations, half in filler ones. */
export function historySeed(total: number): HistorySeed {
  const convMessages = Math.floor(total / 4);
  return {
    conv: 'dm:seedh-a:seedh-b',
    a: 'seedh-a',
    b: 'seedh-b',
    twin: 'dm:seedh-a:seedh-c',
    c: 'seedh-c',
    convMessages,
    fillerConvs: Math.ceil((total - 2 * convMessages) / FILLER_PER_CONV),
  };
}

export function seedTotal(s: HistorySeed): number {
  return 2 * s.convMessages + s.fillerConvs * FILLER_PER_CONV;
}

/**
 * The measured conversations' messages interleave with the filler ones (as live traffic
 * would), so neither system's table is laid out in its favour. Row `g` of 4 x convMessages:
 * rows 4k are the conversation's message k, rows 4k - 2 the twin's message k (senders
 * alternating a, b and a, c), odd rows go round the filler conversations.
 */
const ROWS = `
  SELECT CASE g % 4 WHEN 0 THEN $1 WHEN 2 THEN $6 ELSE 'dm:seedf' || f.c || ':seedg' || f.c END AS conv,
         CASE WHEN g % 2 = 0 THEN (g + 2) / 4 ELSE f.n END AS seq,
         CASE g % 8 WHEN 0 THEN $2 WHEN 4 THEN $3 WHEN 2 THEN $2 WHEN 6 THEN $7 ELSE 'seedf' || f.c END AS sender,
         now() - ($4::int * 4 - g) * interval '1 ms' AS ts
  FROM generate_series(1, $4::int * 4) g,
       LATERAL (SELECT ((g - 1) / 2) % $5::int + 1 AS c, ((g - 1) / 2) / $5::int + 1 AS n) f
  WHERE g % 2 = 0 OR (g - 1) / 2 < $5::int * ${FILLER_PER_CONV}
  ORDER BY g`;

const rowParams = (s: HistorySeed) => [s.conv, s.a, s.b, s.convMessages, s.fillerConvs, s.twin, s.c];

export async function seedNatterHistory(db: pg.Pool, s: HistorySeed): Promise<void> {
  await db.query(
    `INSERT INTO messages (conv, seq, ver, created_ver, mid, sender, cid, ts, text)
     SELECT conv, seq, seq, seq, 'm_seed_' || md5(conv) || '_' || seq, sender, 'seed-' || md5(conv) || '-' || seq, ts,
            'seeded message number ' || seq
     FROM (${ROWS}) r`,
    rowParams(s),
  );
  await db.query(
    `INSERT INTO conversations (conv, last_seq, last_ver)
     SELECT conv, max(seq), max(seq) FROM messages WHERE conv = ANY($1) OR conv LIKE 'dm:seedf%' GROUP BY conv`,
    [[s.conv, s.twin]],
  );
  await db.query(`INSERT INTO conv_members (user_id, conv) VALUES ($1, $3), ($2, $3), ($1, $5), ($4, $5)`, [
    s.a,
    s.b,
    s.conv,
    s.c,
    s.twin,
  ]);
}

export async function seedPeerHistory(db: pg.Pool, s: HistorySeed): Promise<void> {
  await db.query(
    `INSERT INTO peer_messages (conv, sender, cid, text, ts)
     SELECT conv, sender, 'seed-' || md5(conv) || '-' || seq, 'seeded message number ' || seq, ts
     FROM (${ROWS}) r`,
    rowParams(s),
  );
}

/**
 * Leaves seeded tables as a running system's would be before pages are timed: vacuumed and
 * analyzed (insert-driven autovacuum, Postgres 13+, otherwise starts on a million new rows
 * within a minute and runs for seconds on the cores the systems share) and checkpointed (so
 * the checkpointer is not writing the seed out meanwhile). Natter's and the peer's alike.
 */
export async function settleTables(db: pg.Pool, tables: ('messages' | 'peer_messages')[]): Promise<void> {
  for (const t of tables) await db.query(`VACUUM (ANALYZE) ${t}`);
  await db.query('CHECKPOINT');
}

/** The peer has no per-conversation seq: the `before` cursor for the page that ends at the n-th message. */
export async function peerCursorAt(db: pg.Pool, conv: string, n: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM peer_messages WHERE conv = $1 ORDER BY id OFFSET $2 LIMIT 1',
    [conv, n - 1],
  );
  if (!rows[0]) throw new Error(`peer_messages has fewer than ${n} messages in ${conv}`);
  return Number(rows[0].id);
}

export async function seedNatterRoom(db: pg.Pool, room: string, members: string[]): Promise<void> {
  await db.query(`INSERT INTO rooms (name, private, created_by, member_count) VALUES ($1, false, $2, $3)`, [
    room,
    members[0],
    members.length,
  ]);
  await db.query(`INSERT INTO members (room, "user") SELECT $1, unnest($2::text[])`, [room, members]);
}

export async function seedPeerRoom(db: pg.Pool, room: string, members: string[]): Promise<void> {
  await db.query(`INSERT INTO peer_members (room, "user") SELECT $1, unnest($2::text[])`, [room, members]);
}

/** A room's members where `system` reads them; the raw ws relay takes them from the URL at connect. */
export async function seedRoom(
  db: pg.Pool,
  system: 'natter' | 'peer' | 'ws',
  room: string,
  members: string[],
): Promise<void> {
  if (system === 'natter') await seedNatterRoom(db, room, members);
  else if (system === 'peer') await seedPeerRoom(db, room, members);
}

/**
 * Gives the twin's messages that the history scenario reads (the newest `newest` and the
 * `deep` ones before its deep cursor) what the lifecycle leaves on a busy conversation's
 * messages, as services/history stores it: 3 emoji with 20 listed reactors each (the most a
 * history message lists), a thread summary of 10 users, a reply preview of 100 code points,
 * and a mention. Rows the pages do not read are left plain: a page's cost is the rows it reads.
 */
export async function decorateNatterHistory(
  db: pg.Pool,
  s: HistorySeed,
  pages: { newest: number; deepBefore: number; deep: number },
): Promise<void> {
  const users = Array.from({ length: 20 }, (_, i) => `seedr${i}`);
  const reactions = ['👍', '🎉', '❤️'].map((emoji) => ({ emoji, count: 57, users }));
  const thread = { replies: 42, last: new Date().toISOString(), users: users.slice(0, 10) };
  await db.query(
    `UPDATE messages SET reactions = $2::jsonb, thread = $3::jsonb, mentions = $4::jsonb,
       reply = jsonb_build_object('seq', seq - 1, 'from', $5::text, 'preview', repeat('p', 100)),
       ver = ver + $6::bigint
     WHERE conv = $1 AND seq > 1 AND (seq > $6::bigint - $7::int OR (seq < $8::bigint AND seq >= $8::bigint - $9::int))`,
    [
      s.twin,
      JSON.stringify(reactions),
      JSON.stringify(thread),
      JSON.stringify([s.c]),
      s.a,
      s.convMessages,
      pages.newest,
      pages.deepBefore,
      pages.deep,
    ],
  );
  await db.query('UPDATE conversations SET last_ver = last_ver * 2 WHERE conv = $1', [s.twin]);
  await settleTables(db, ['messages']);
}
