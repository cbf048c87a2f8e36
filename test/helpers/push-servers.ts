import type { KeyObject } from 'node:crypto';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import http2 from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
// http_ece (web-push's own dependency) has no types; decrypt is all this uses.
// @ts-expect-error no declaration file
import ece from 'http_ece';
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';

async function body(req: IncomingMessage | http2.Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface WebPushDelivery {
  payload: Record<string, unknown>;
  topic: string | undefined;
  ttl: string | undefined;
}

/** One browser's subscription at the local push service, with the keys only it holds. */
export interface Subscriber {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  received: WebPushDelivery[];
}

/**
 * The receiving side of RFC 8030 on https: a POST to a subscription's endpoint is checked
 * for VAPID (RFC 8292: `vapid t=<ES256 JWT>, k=<key>`, the JWT's aud this origin, its key
 * the one given in `vapidPublicKey`), then DECRYPTED (RFC 8291 aes128gcm) with the
 * subscription's private key and auth secret, as a browser would. 201 on success; a
 * subscription made `gone` answers 410.
 */
export class LocalPushService {
  readonly subscribers = new Map<
    string,
    Subscriber & { ecdh: ReturnType<typeof createECDH>; auth: Buffer; gone: boolean }
  >();
  rejected = 0;
  private server: Server | undefined;
  origin = '';

  constructor(
    private readonly tls: { key: string; cert: string },
    private readonly vapidPublicKey: string,
  ) {}

  async start(): Promise<void> {
    this.server = createHttpsServer(this.tls, (req, res) => {
      void this.handle(req).then(
        (status) =>
          res
            .writeHead(
              status,
              status === 201 ? { location: `${this.origin}/m/${randomBytes(6).toString('hex')}` } : {},
            )
            .end(),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new subscription (the keys a browser's PushManager makes); `gone` ones answer 410. */
  subscribe(gone = false): Subscriber {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = randomBytes(8).toString('hex');
    const sub = {
      endpoint: `${this.origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      received: [],
      ecdh,
      auth,
      gone,
    };
    this.subscribers.set(id, sub);
    return sub;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const data = await body(req);
    const id = /^\/push\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    const sub = id ? this.subscribers.get(id) : undefined;
    if (req.method !== 'POST' || !sub) return 404;
    if (sub.gone) return 410;
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (
      !m ||
      m[2] !== this.vapidPublicKey ||
      req.headers['content-encoding'] !== 'aes128gcm' ||
      !req.headers.ttl
    ) {
      this.rejected++;
      return 401;
    }
    const raw = Buffer.from(m[2], 'base64url');
    const jwk: JWK = {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    };
    try {
      const { payload } = await jwtVerify(m[1]!, createLocalJWKSet({ keys: [jwk] }), {
        audience: this.origin,
      });
      if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('sub');
    } catch {
      this.rejected++;
      return 403;
    }
    const plain: Buffer = ece.decrypt(data, {
      version: 'aes128gcm',
      privateKey: sub.ecdh,
      authSecret: sub.auth,
    });
    sub.received.push({
      payload: JSON.parse(plain.toString('utf8')),
      topic: req.headers.topic as string | undefined,
      ttl: req.headers.ttl as string | undefined,
    });
    return 201;
  }
}

/**
 * FCM HTTP v1 on http: `/token` takes the service account's JWT bearer assertion (RS256,
 * verified with the account's public key, scope and audience checked) and gives an access
 * token; `messages:send` needs it and a message with a token. Tokens in `gone` answer
 * UNREGISTERED, as FCM does.
 */
export class LocalFcm {
  readonly sent: { token: string; message: Record<string, unknown> }[] = [];
  readonly gone = new Set<string>();
  rejected = 0;
  tokensIssued = 0;
  private server: Server | undefined;
  url = '';
  private readonly access = `ya29.${randomBytes(12).toString('hex')}`;

  constructor(
    private readonly publicKey: KeyObject,
    private readonly project: string,
    private readonly clientEmail: string,
  ) {}

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      void this.handle(req).then(
        ([status, json]) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json)),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const data = (await body(req)).toString('utf8');
    if (req.url === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(data);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return [400, { error: 'unsupported_grant_type' }];
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', this.publicKey, {
          issuer: this.clientEmail,
          audience: `${this.url}/token`,
        });
        if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') throw new Error('scope');
      } catch {
        this.rejected++;
        return [400, { error: 'invalid_grant' }];
      }
      this.tokensIssued++;
      return [200, { access_token: this.access, expires_in: 3599, token_type: 'Bearer' }];
    }
    if (req.url !== `/v1/projects/${this.project}/messages:send` || req.method !== 'POST') return [404, {}];
    if (req.headers.authorization !== `Bearer ${this.access}`) {
      this.rejected++;
      return [401, { error: { status: 'UNAUTHENTICATED' } }];
    }
    const { message } = JSON.parse(data) as { message: Record<string, unknown> & { token: string } };
    if (typeof message?.token !== 'string') return [400, { error: { status: 'INVALID_ARGUMENT' } }];
    if (this.gone.has(message.token)) {
      return [
        404,
        {
          error: {
            status: 'NOT_FOUND',
            details: [
              { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' },
            ],
          },
        },
      ];
    }
    this.sent.push({ token: message.token, message });
    return [200, { name: `projects/${this.project}/messages/${this.sent.length}` }];
  }
}

/**
 * APNs over HTTP/2 (h2c: the client speaks cleartext HTTP/2 to an http:// endpoint): a
 * POST to /3/device/<token> needs a provider token (ES256 JWT of the team, with the key
 * id, verified with the key's public half), `apns-topic` and `apns-push-type`. Tokens in
 * `gone` answer 410 Unregistered.
 */
export class LocalApns {
  readonly sent: { token: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
  readonly gone = new Set<string>();
  rejected = 0;
  private server: http2.Http2Server | undefined;
  url = '';

  constructor(
    private readonly publicKey: KeyObject,
    private readonly keyId: string,
    private readonly teamId: string,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    this.server = http2.createServer();
    this.server.on('stream', (stream, headers) => {
      void this.handle(stream, headers).catch(() => stream.respond({ ':status': 500 }, { endStream: true }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(stream: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const answer = (status: number, reason?: string) => {
      stream.respond({ ':status': status, 'content-type': 'application/json' });
      stream.end(reason ? JSON.stringify({ reason }) : undefined);
    };
    const token = /^\/3\/device\/([A-Za-z0-9]+)$/.exec(String(h[':path']))?.[1];
    if (h[':method'] !== 'POST' || !token) return answer(404, 'BadPath');
    const jwt = /^bearer (.+)$/.exec(String(h.authorization ?? ''))?.[1] ?? '';
    try {
      if (decodeProtectedHeader(jwt).kid !== this.keyId) throw new Error('kid');
      await jwtVerify(jwt, this.publicKey, { issuer: this.teamId, algorithms: ['ES256'] });
    } catch {
      this.rejected++;
      return answer(403, 'InvalidProviderToken');
    }
    if (h['apns-topic'] !== this.topic) return answer(400, 'TopicDisallowed');
    if (h['apns-push-type'] !== 'alert') return answer(400, 'InvalidPushType');
    if (this.gone.has(token)) return answer(410, 'Unregistered');
    this.sent.push({
      token,
      headers: Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)])),
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    answer(200);
  }
}
