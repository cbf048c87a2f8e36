export type { EventData, EventType, LoggedEvent, NewEvent } from '@natter/contracts';
export { EVENT_TYPES, PRODUCED } from '@natter/contracts';
export { EVENTS_MIGRATIONS_DIR, EVENTS_MIGRATIONS_TABLE, migrateEvents } from './migrations.ts';
export { backlog, latestCursor, MAX_PAGE, parseCursor, pruneEvents, readEvents } from './read.ts';
export { logEvents } from './write.ts';
