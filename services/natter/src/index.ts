export type { SingleNode } from './launch.ts';
export { launch } from './launch.ts';
