export type { Identity } from './auth.ts';
export { Authenticator } from './auth.ts';
export { openapiDocument } from './openapi.ts';
export type { GatewayStartParts, RunningGateway } from './start.ts';
export { start } from './start.ts';
export type { WebDirChoice } from './web-dir.ts';
export { chooseWebDir, logWebDir } from './web-dir.ts';
