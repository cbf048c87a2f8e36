import type { Bus, BusHandler, Subscription } from '@natter/bus';
import type { Logger } from '@natter/log';
import { newTraceId, TRACE_HEADER } from '@natter/log';
import type { Events } from './payloads.ts';
import { decode, encode, type ServeContext, serveContext } from './rpc.ts';
import type { Subjects } from './subjects.ts';

import { PAYLOAD_VERSION, versionProblem } from './version.ts';

export { PAYLOAD_VERSION, type PayloadVersion } from './version.ts';

export type EventKey = keyof Events;

/** `Rest`, after the subject's parameter when the key names a parameterized subject (`room`, `user`). */
type WithParam<K extends EventKey, Rest extends unknown[]> = Subjects[K] extends (param: string) => string
  ? [param: string, ...Rest]
  : Rest;

/** Splits the arguments after the key into the subject and the rest. */
function resolve<Rest extends unknown[]>(s: Subjects, key: EventKey, args: unknown[]): [string, Rest] {
  const subject = s[key];
  return typeof subject === 'function'
    ? [subject(args[0] as string), args.slice(1) as Rest]
    : [subject, args as Rest];
}

/**
 * Decodes an event: JSON, an object, and of the one version we understand. Anything else is
 * a reason, never a payload: a handler must not act on fields whose meaning it cannot know.
 */
export function decodeEvent<K extends EventKey>(data: Uint8Array): { ok: Events[K] } | { reject: string } {
  let value: unknown;
  try {
    value = decode(data);
  } catch {
    return { reject: 'not JSON' };
  }
  const problem = versionProblem(value);
  return problem ? { reject: problem } : { ok: value as Events[K] };
}

/** Publishes an event, stamped with the payload version. */
export function emit<K extends EventKey>(
  bus: Bus,
  s: Subjects,
  key: K,
  ...args: WithParam<K, [event: Events[K], trace?: string]>
): void {
  const [subject, [event, trace]] = resolve<[Events[K], string?]>(s, key, args);
  bus.publish(
    subject,
    encode({ ...event, v: PAYLOAD_VERSION }),
    trace ? { headers: { [TRACE_HEADER]: trace } } : undefined,
  );
}

/** The event keys whose subject takes a parameter (`room`, `user`). */
type ParamKey = { [K in EventKey]: Subjects[K] extends (param: string) => string ? K : never }[EventKey];

/**
 * Publishes one event to the subjects of several parameters (a DM to both of its users),
 * encoded once: the payload is the same for each.
 */
export function emitEach<K extends ParamKey>(
  bus: Bus,
  s: Subjects,
  key: K,
  params: Iterable<string>,
  event: Events[K],
  trace?: string,
): void {
  const subject = s[key] as (param: string) => string;
  const data = encode({ ...event, v: PAYLOAD_VERSION });
  const opts = trace ? { headers: { [TRACE_HEADER]: trace } } : undefined;
  for (const p of params) bus.publish(subject(p), data, opts);
}

/** `subject` is the one the event came on (for a wildcard or shared handler). */
export type EventHandler<K extends EventKey> = (
  event: Events[K],
  ctx: ServeContext,
  subject: string,
) => void | Promise<void>;

export interface OnOptions {
  queue?: string;
  /** Counts rejected events (not JSON, wrong version), where the service has a metric for it. */
  rejected?: { inc(): void };
}

/**
 * A bus handler for events of `key`, to subscribe one or many subjects with. A payload that
 * does not decode is logged at warn and dropped before the handler; a handler error is
 * logged, never thrown. One handler for many subscriptions (a gateway's users' subjects)
 * costs one closure, not one per subject.
 */
export function eventHandler<K extends EventKey>(
  _key: K,
  log: Logger,
  handler: EventHandler<K>,
  opts: Pick<OnOptions, 'rejected'> = {},
): BusHandler {
  return async (msg) => {
    const trace = msg.headers?.[TRACE_HEADER] ?? newTraceId();
    const ctx = serveContext(log, trace);
    const decoded = decodeEvent<K>(msg.data);
    if ('reject' in decoded) {
      opts.rejected?.inc();
      ctx.log.warn({ subject: msg.subject, reason: decoded.reject }, 'event rejected; dropped');
      return;
    }
    try {
      await handler(decoded.ok, ctx, msg.subject);
    } catch (err) {
      ctx.log.error({ err, subject: msg.subject }, 'event handler failed; event dropped');
    }
  };
}

/** Subscribes to an event (see eventHandler). */
export function on<K extends EventKey>(
  bus: Bus,
  s: Subjects,
  key: K,
  ...args: WithParam<K, [log: Logger, handler: EventHandler<K>, opts?: OnOptions]>
): Subscription {
  const [subject, [log, handler, opts = {}]] = resolve<[Logger, EventHandler<K>, OnOptions?]>(s, key, args);
  return bus.subscribe(subject, eventHandler(key, log, handler, opts), { queue: opts.queue });
}
