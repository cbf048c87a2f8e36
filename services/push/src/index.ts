export { migratePush, PUSH_MIGRATIONS_DIR, PUSH_MIGRATIONS_TABLE } from './migrations.ts';
export type { PushParts } from './start.ts';
export { start } from './start.ts';
