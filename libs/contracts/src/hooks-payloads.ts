import type { PayloadVersion } from './events.ts';
import type { LoggedEvent } from './log-events.ts';

/** GET /v1/events: a page of the event log (libs/events). */
export interface EventsReadRequest {
  v: PayloadVersion;
  after?: string;
  limit: number;
}
export interface EventsReadReply {
  events: LoggedEvent[];
  /** The cursor of the last event returned, else the `after` given (absent on an empty log). */
  next?: string;
}
