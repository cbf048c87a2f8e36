export type * from './payloads.ts';
export type { CallOptions, RpcKey, ServeContext } from './rpc.ts';
export { decode, emit, encode, onEvent, RpcClient, rpcSubject, serve } from './rpc.ts';
export type { RoomsOp, Subjects } from './subjects.ts';
export { GATEWAY_ID_RE, QUEUE, subjects } from './subjects.ts';
