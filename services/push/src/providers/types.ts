import { createHash } from 'node:crypto';
import type { Device } from '../devices.ts';

/** What one push says: the conversation's collapsed state (1.1 section 4). */
export interface Notice {
  conv: string;
  seq: number;
  mid: string;
  from: string;
  /** The latest message's preview. */
  text: string;
  /** Unseen messages of the conversation this push stands for. */
  count: number;
  title: string;
  body: string;
}

/**
 * `gone`: the provider says the device no longer exists (Web Push 404/410, FCM
 * UNREGISTERED, APNs 410): the caller unregisters it. `failed`: anything else that did not
 * deliver (logged and counted; the push is not retried, the next message pushes again).
 */
export type Outcome = 'sent' | 'gone' | 'failed';

/** One push provider. `clear` withdraws the conversation's notification where it can. */
export interface Provider {
  send(device: Device, notice: Notice): Promise<Outcome>;
  clear?(device: Device, conv: string): Promise<Outcome>;
}

/** A notification's collapse key for a conversation: stable, short, provider-safe. */
export function collapseKey(conv: string, max: number): string {
  // Hashing keeps it within every provider's limit (APNs 64 bytes, Web Push Topic 32 base64url).
  return createHash('sha256').update(conv).digest('base64url').slice(0, max);
}
