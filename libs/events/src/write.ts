import type { NewEvent } from '@natter/contracts';
import type pg from 'pg';

/**
 * Writes events in the caller's open transaction (the outbox): they commit or roll back
 * with the change they describe. One statement however many events; their order in the log
 * is the order given.
 */
export async function logEvents(db: pg.PoolClient, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO natter_events (type, data)
     SELECT type, data FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS t(type, data, ord) ORDER BY ord`,
    [events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
  );
}
