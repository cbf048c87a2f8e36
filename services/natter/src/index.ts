export { launch } from './launch.ts';
export type { SingleNode } from './launch.ts';
