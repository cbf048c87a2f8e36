export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory-store.ts';
export { createPresenceRedis, type PresenceRedisOptions, redisReady } from './redis-client.ts';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './redis-store.ts';
export type { PresenceParts, RunningService } from './start.ts';
export { start } from './start.ts';
export { type PresenceStore, PresenceStoreError, type WentOffline } from './store.ts';
