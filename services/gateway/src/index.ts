export type { Identity } from './auth.ts';
export { Authenticator } from './auth.ts';
export { openapiDocument } from './openapi.ts';
export type { GatewayStartParts, RunningGateway } from './start.ts';
export { start } from './start.ts';
