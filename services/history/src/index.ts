export { MemoryMessageStore } from './memory-store.ts';
export { batchSizeHistogram } from './metrics.ts';
export { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrateHistory } from './migrations.ts';
export type { PgMessageStoreOptions } from './pg-store.ts';
export { PgMessageStore } from './pg-store.ts';
export type { HistoryParts } from './start.ts';
export { start } from './start.ts';
export type { AppendInput, AppendResult, MessageStore, QueryOptions, QueryResult } from './store.ts';
