export { HOOKS_MIGRATIONS_DIR, HOOKS_MIGRATIONS_TABLE, migrateHooks } from './migrations.ts';
export type { HooksParts } from './start.ts';
export { start } from './start.ts';
