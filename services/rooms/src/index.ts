export type { RoomsHandlers } from './handlers.ts';
export { MemoryRoomStore } from './memory-store.ts';
export { migrateRooms, ROOMS_MIGRATIONS_DIR, ROOMS_MIGRATIONS_TABLE } from './migrations.ts';
export { PgRoomStore, RoomStoreError } from './pg-store.ts';
export type { RoomsParts } from './start.ts';
export { start } from './start.ts';
export type { JoinResult, RoomLimits, RoomStore, RoomSummary, Roster } from './store.ts';
