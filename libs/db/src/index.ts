export { isConnectionError } from './connection-error.ts';
export type { EmbeddedPostgresHandle, EmbeddedPostgresOptions } from './embedded.ts';
export { startEmbeddedPostgres } from './embedded.ts';
export { EmbeddedPostgresError, MigrationError } from './errors.ts';
export type { MigrateOptions } from './migrate.ts';
export { lockValueFor, migrate } from './migrate.ts';
export type { PoolOptions } from './pool.ts';
export { createPool } from './pool.ts';
export { isAlive as isProcessAlive, readPostmasterPid } from './postmaster.ts';
