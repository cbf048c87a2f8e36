import type { PresenceView } from '@natter/protocol';
import type { PayloadVersion } from './events.ts';

export interface SessionRef {
  session: string;
  user: string;
}

export interface ConnectRequest {
  v: PayloadVersion;
  gw: string;
  sessions: SessionRef[];
}
export type ConnectReply = Record<string, never>;

export interface DisconnectEvent {
  gw: string;
  sessions: SessionRef[];
}

export interface HeartbeatEvent {
  gw: string;
  sessions: number;
  /** Interval in ms the gateway promises to keep; presence expires it after 3 of them. */
  interval: number;
}

export interface PresenceQueryRequest {
  v: PayloadVersion;
  users: string[];
}
export interface PresenceQueryReply {
  presence: PresenceView[];
}

/**
 * On `presenceResync`: presence lost its session registry (Redis restarted empty) or, with
 * `gw`, that one gateway's part of it (swept while still alive). The gateways concerned
 * (every gateway when `gw` is absent) re-send presenceConnect with all their sessions.
 */
export interface PresenceResyncEvent {
  gw?: string;
}

export interface PresenceChangedEvent {
  user: string;
  online: boolean;
  lastSeen?: string;
}
