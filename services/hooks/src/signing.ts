import { Webhook } from 'standardwebhooks';

/** The headers of one delivery, signed as the Standard Webhooks specification says. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs deliveries with NATTER_WEBHOOK_SECRET (`whsec_` + base64) using the
 * specification's own library: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 */
export class Signer {
  private readonly wh: Webhook;

  constructor(secret: string) {
    this.wh = new Webhook(secret);
  }

  /** `id` is the event's id (the same on every retry); the timestamp is the attempt's. */
  headers(id: string, body: string, at: Date = new Date()): SignedHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.wh.sign(id, at, body),
    };
  }
}
