export type { HistoryParts } from './start.ts';
export { start } from './start.ts';
