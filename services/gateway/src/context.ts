import type { Bus } from '@natter/bus';
import type { GatewayConfig } from '@natter/config';
import type {
  HistoryQueryReply,
  HistoryQueryRequest,
  RawJson,
  RpcClient,
  SendReply,
  SendRequest,
  Subjects,
} from '@natter/contracts';
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
  /** The message log in this process; unset: DMs and pages go to history like everything else. */
  readonly messageLog?: MessageLog;
  /** Registers an authenticated session with presence and this gateway. */
  greet(s: Session, trace: string): Promise<void>;
}

/**
 * History's handlers run in this process (libs/messages `startLocalLog`, wired by main.ts so
 * that the gateway core does not depend on the message log's code).
 */
export interface MessageLog {
  /** `msgSend` of a DM: stored and announced here. */
  send(req: SendRequest, trace: string): Promise<SendReply>;
  /** `historyQuery`: a page read here, authorized like history does. */
  query(req: HistoryQueryRequest, trace: string): Promise<HistoryQueryReply | RawJson<HistoryQueryReply>>;
}

/**
 * A page of history for `req.user`, from this process's message log when it has one (the
 * page as its JSON, passed on without parsing it), else from history.
 */
export function historyPage(
  gw: GatewayContext,
  req: HistoryQueryRequest,
  trace: string,
): Promise<HistoryQueryReply | RawJson<HistoryQueryReply>> {
  return gw.messageLog ? gw.messageLog.query(req, trace) : gw.rpc.callRaw('historyQuery', req, { trace });
}

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
