export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory-store.ts';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './redis-store.ts';
export type { PresenceParts } from './start.ts';
export { start } from './start.ts';
export { type PresenceStore, PresenceStoreError, type WentOffline } from './store.ts';
