/** Running the versioned migrations of one service failed; `cause` holds node-pg-migrate's error. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** The embedded Postgres of single-node mode could not be initialised or started. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}
