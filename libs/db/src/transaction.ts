import type pg from 'pg';

/**
 * Runs `fn` on one pooled connection between BEGIN and COMMIT (or ROLLBACK when it says
 * so or throws).
 */
export async function transaction<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient) => Promise<{ value: T; commit: boolean }>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const { value, commit } = await fn(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    // A client whose ROLLBACK failed is in an unknown state: the pool destroys it.
    client.release(broken);
  }
}
