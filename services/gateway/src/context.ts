import type { Bus } from '@natter/bus';
import type { GatewayConfig } from '@natter/config';
import type { RawJson, RpcClient, SendReply, SendRequest, Subjects } from '@natter/contracts';
import type { Logger } from '@natter/log';
import type { Op, RequestParams, Results } from '@natter/protocol';
import type { Authenticator } from './auth.ts';
import type { HelloLookups } from './hello-lookups.ts';
import type { Metrics } from './metrics.ts';
import type { Ordering } from './ordering.ts';
import type { Registry } from './registry.ts';
import type { Session } from './session.ts';

/** The parts of a running gateway that request handlers use. */
export interface GatewayContext {
  readonly id: string;
  readonly config: GatewayConfig;
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly rpc: RpcClient;
  readonly auth: Authenticator;
  readonly registry: Registry;
  readonly ordering: Ordering;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Rooms, conversations and presence registration, batched across concurrent hellos. */
  readonly lookups: HelloLookups;
  /** Stores and announces a DM in this process; unset: DMs go to history like other sends. */
  readonly sendDm?: DirectSendFn;
  /** Registers an authenticated session with presence and this gateway. */
  greet(s: Session, trace: string): Promise<void>;
}

/** `msgSend` answered in-process (history's startDirectSend). */
export type DirectSendFn = (req: SendRequest, trace: string) => Promise<SendReply>;

export interface RequestContext {
  trace: string;
  log: Logger;
}

/** One op's handler: its params as parsed, its result as the protocol's Results table says. */
export type Handler<O extends Op> = (
  gw: GatewayContext,
  s: Session,
  p: RequestParams<O>,
  rc: RequestContext,
) => Promise<Results[O] | RawJson<Results[O]>>;
