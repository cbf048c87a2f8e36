import type { PayloadVersion } from './events.ts';

/** A device as `push.register` names it (validated by the gateway's schema). */
export type PushDevice =
  | { provider: 'webpush'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { provider: 'fcm' | 'apns'; token: string };

export type PushRegisterRequest = { v: PayloadVersion; user: string } & PushDevice;
export interface PushRegisterReply {
  device: string;
}
export interface PushUnregisterRequest {
  v: PayloadVersion;
  user: string;
  device: string;
}
export interface NotifyRequest {
  v: PayloadVersion;
  user: string;
  conv: string;
  level: 'all' | 'mentions' | 'none';
  /** ISO time; the level holds until then, the default after. */
  until?: string;
}

/**
 * The notify levels each user chose (and that are in force), for `hello`'s `convs`: one list
 * per user, in the order asked (at most MAX_LIST_BATCH users).
 */
export interface PushLevelsRequest {
  v: PayloadVersion;
  users: string[];
}
export interface PushLevelsReply {
  levels: { conv: string; level: NotifyRequest['level'] }[][];
}
