export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory-store.ts';
export { migratePresence } from './migrations.ts';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './redis-store.ts';
export type { PresenceParts } from './start.ts';
export { start } from './start.ts';
export {
  type PresenceStore,
  PresenceStoreError,
  type RecordedTransition,
  type WentOffline,
} from './store.ts';
