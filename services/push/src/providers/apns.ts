import http2 from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import type { Device } from '../devices.ts';
import { collapseKey, type Notice, type Outcome, type Provider } from './types.ts';

export interface ApnsOptions {
  /** The .p8 signing key (PKCS#8 PEM). */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id (apns-topic). */
  topic: string;
  /** https://api.push.apple.com unless NATTER_APNS_ENDPOINT says (http:// speaks h2c, for tests). */
  endpoint: string;
  timeoutMs: number;
}

/** Apple wants a provider token at most an hour old and no newer than 20 minutes between refreshes. */
const TOKEN_MS = 40 * 60_000;

/**
 * APNs, token-based (an ES256 JWT of team and key id), over one HTTP/2 connection that is
 * opened on first use and again after it closes. `apns-collapse-id` makes one notification
 * per conversation; 410 (Unregistered) means the device is gone. APNs has no way to withdraw
 * a shown notification without the app's own code, so there is no `clear`.
 */
export class ApnsProvider implements Provider {
  private session: http2.ClientHttp2Session | undefined;
  private token: { value: string; until: number } | undefined;

  constructor(private readonly o: ApnsOptions) {}

  async send(device: Device, n: Notice): Promise<Outcome> {
    if (device.provider !== 'apns') return 'failed';
    const body = JSON.stringify({
      aps: { alert: { title: n.title, body: n.body }, sound: 'default', 'thread-id': n.conv },
      conv: n.conv,
      seq: n.seq,
      mid: n.mid,
      count: n.count,
    });
    const status = await this.request(`/3/device/${encodeURIComponent(device.token)}`, body, {
      'apns-topic': this.o.topic,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': collapseKey(n.conv, 64),
    });
    if (status === 410) return 'gone';
    return status === 200 ? 'sent' : 'failed';
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private async request(path: string, body: string, headers: Record<string, string>): Promise<number> {
    const authorization = `bearer ${await this.providerToken()}`;
    const session = this.connect();
    return new Promise((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': path,
        authorization,
        'content-type': 'application/json',
        ...headers,
      });
      req.setTimeout(this.o.timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', () => {});
      req.on('end', () => resolve(status));
      req.on('error', reject);
      req.end(body);
    });
  }

  private connect(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect(this.o.endpoint);
    s.on('error', () => {
      if (this.session === s) this.session = undefined;
    });
    s.on('close', () => {
      if (this.session === s) this.session = undefined;
    });
    s.unref();
    this.session = s;
    return s;
  }

  private async providerToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const key = await importPKCS8(this.o.key, 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.o.keyId })
      .setIssuer(this.o.teamId)
      .setIssuedAt()
      .sign(key);
    this.token = { value, until: Date.now() + TOKEN_MS };
    return value;
  }
}
