import { importPKCS8, SignJWT } from 'jose';
import type { Device } from '../devices.ts';
import { collapseKey, type Notice, type Outcome, type Provider } from './types.ts';

/** The fields of a Google service-account JSON key that FCM HTTP v1 needs. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export interface FcmOptions {
  credentials: ServiceAccount;
  /** The send API's origin: https://fcm.googleapis.com unless NATTER_FCM_ENDPOINT says. */
  endpoint: string;
  /** The OAuth token endpoint: NATTER_FCM_TOKEN_URL, else the credentials' token_uri. */
  tokenUrl: string;
  timeoutMs: number;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * FCM HTTP v1: an OAuth 2 access token from the service account (a JWT bearer assertion
 * signed RS256 with its key, RFC 7523), kept until a minute before it expires; one
 * `messages:send` per device. `UNREGISTERED` means the app was uninstalled or the token
 * rotated: the device is gone. The collapse key and tag make one notification per
 * conversation on Android, `apns-collapse-id` on iOS through FCM.
 */
export class FcmProvider implements Provider {
  private token: { value: string; until: number } | undefined;

  constructor(private readonly o: FcmOptions) {}

  send(device: Device, n: Notice): Promise<Outcome> {
    const tag = collapseKey(n.conv, 32);
    return this.post(device, {
      notification: { title: n.title, body: n.body },
      data: {
        type: 'message',
        conv: n.conv,
        seq: String(n.seq),
        mid: n.mid,
        from: n.from,
        count: String(n.count),
      },
      android: { collapse_key: tag, notification: { tag } },
      apns: { headers: { 'apns-collapse-id': tag }, payload: { aps: { 'thread-id': n.conv } } },
    });
  }

  /** A data-only message: the app withdraws the conversation's notification. */
  clear(device: Device, conv: string): Promise<Outcome> {
    return this.post(device, { data: { type: 'clear', conv }, android: { priority: 'high' } });
  }

  private async post(device: Device, message: object): Promise<Outcome> {
    if (device.provider !== 'fcm') return 'failed';
    const url = `${this.o.endpoint}/v1/projects/${encodeURIComponent(this.o.credentials.project_id)}/messages:send`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { token: device.token, ...message } }),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    if (res.ok) {
      await res.body?.cancel().catch(() => {});
      return 'sent';
    }
    const body = (await res.json().catch(() => ({}))) as {
      error?: { status?: string; details?: { errorCode?: string }[] };
    };
    if (res.status === 401) this.token = undefined;
    const codes = [body.error?.status, ...(body.error?.details ?? []).map((d) => d.errorCode)];
    return codes.includes('UNREGISTERED') ? 'gone' : 'failed';
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const c = this.o.credentials;
    const key = await importPKCS8(c.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(c.client_email)
      .setSubject(c.client_email)
      .setAudience(this.o.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await fetch(this.o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    if (!res.ok) throw new Error(`FCM token endpoint answered ${res.status}`);
    const t = (await res.json()) as { access_token: string; expires_in?: number };
    this.token = { value: t.access_token, until: Date.now() + ((t.expires_in ?? 3600) - 60) * 1000 };
    return t.access_token;
  }
}
