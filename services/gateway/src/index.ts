export { start } from './start.ts';
export type { GatewayStartParts, RunningGateway } from './start.ts';
export { Authenticator } from './auth.ts';
export type { Identity } from './auth.ts';
