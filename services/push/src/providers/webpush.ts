import webpush from 'web-push';
import type { Device } from '../devices.ts';
import { collapseKey, type Notice, type Outcome, type Provider } from './types.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** The `sub` of the VAPID JWT: a mailto: or https: contact for the push service's operator. */
  subject: string;
}

/** How long a push service keeps an undelivered push (seconds). */
const TTL_S = 24 * 3600;

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm encryption (RFC 8291), the
 * `web-push` package building the request. It is sent with fetch, not web-push's own https
 * call, so one HTTP client (and its timeouts) serves every provider. The Topic header
 * collapses pushes of one conversation the device has not fetched yet; the service worker
 * replaces the shown one by its tag (the conversation).
 */
export class WebPushProvider implements Provider {
  constructor(
    private readonly vapid: VapidKeys,
    private readonly timeoutMs: number,
  ) {}

  send(device: Device, notice: Notice): Promise<Outcome> {
    return this.post(device, notice.conv, { type: 'message', ...notice });
  }

  clear(device: Device, conv: string): Promise<Outcome> {
    return this.post(device, conv, { type: 'clear', conv });
  }

  private async post(device: Device, conv: string, payload: object): Promise<Outcome> {
    if (device.provider !== 'webpush') return 'failed';
    const req = webpush.generateRequestDetails(device.subscription, JSON.stringify(payload), {
      vapidDetails: this.vapid,
      TTL: TTL_S,
      urgency: 'high',
      topic: collapseKey(conv, 32),
      contentEncoding: 'aes128gcm',
    });
    const res = await fetch(req.endpoint, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.body ? new Uint8Array(req.body) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status === 404 || res.status === 410) return 'gone';
    return res.ok ? 'sent' : 'failed';
  }
}
