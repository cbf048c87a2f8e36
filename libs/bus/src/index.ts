export { MemoryBus } from './memory.ts';
export { connectNatsBus, type NatsBusOptions } from './nats.ts';
export type {
  Bus,
  BusHandler,
  BusMsg,
  Headers,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './types.ts';
export { BusClosedError, BusError, BusNoRespondersError, BusTimeoutError } from './types.ts';
