import { startPostgres } from '@natter/testkit';
import { Registry } from 'prom-client';
import { afterAll, expect, it } from 'vitest';
import { createPool } from '../src/index.ts';

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

it('times every query, pool queries and transaction queries alike, by outcome', async () => {
  const pg = await startPostgres();
  stop = () => pg.stop();
  const registry = new Registry();
  const pool = createPool(await pg.createDatabase(), { name: 'metrics-test', registry });
  await pool.query('SELECT 1');
  const c = await pool.connect();
  await c.query('BEGIN');
  await c.query('SELECT 2');
  await c.query('SELECT * FROM no_such_table').catch(() => undefined);
  await c.query('ROLLBACK');
  c.release();
  await pool.end();
  const text = await registry.metrics();
  const count = (outcome: string) =>
    Number(
      new RegExp(`natter_db_query_seconds_count\\{pool="metrics-test",outcome="${outcome}"\\} (\\d+)`).exec(
        text,
      )?.[1],
    );
  expect(count('ok')).toBe(4);
  expect(count('error')).toBe(1);
});
