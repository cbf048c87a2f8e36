import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { backendUnavailable } from '@natter/service';
import { BodyAbortedError, BodyTooLargeError, declaredLength, readBodyLimited } from './body.ts';
import { sendError, sendJson } from './http.ts';
import { newUploadId, UPLOAD_ID_RE, UploadQuotaError, type UploadStore } from './store.ts';
import { baseMediaType, isUploadType, sniffType, UPLOAD_TYPES } from './types.ts';

export interface UploadRoutesOptions {
  /** Where uploads live; without one every upload route answers 503 `unavailable`. */
  store: UploadStore | undefined;
  /** Resolves with the caller's user id, or rejects with NatterError `unauthenticated`. */
  auth: (req: IncomingMessage) => Promise<string>;
  /** Largest upload in bytes (NATTER_MAX_UPLOAD_BYTES). */
  maxBytes: number;
  /** Bytes one user may upload in any 24 hours (NATTER_UPLOAD_BYTES_PER_DAY); unset: no quota. */
  bytesPerDay?: number;
  /** Uploads one user may have in progress here (NATTER_UPLOADS_IN_FLIGHT_PER_USER); unset: no limit. */
  inFlightPerUser?: number;
  log: Logger;
}

/** What a user over the in-flight limit is told to wait: one upload of theirs will have ended. */
const IN_FLIGHT_RETRY_MS = 1000;

function overQuota(quota: number, wait: number): NatterError {
  return new NatterError(
    'rate_limited',
    `NATTER_UPLOAD_BYTES_PER_DAY: this would pass your ${quota} bytes of uploads per 24 hours; retry after ${wait} ms`,
    wait,
  );
}

/**
 * Headers that keep an upload inert on the API origin: the browser may not guess another
 * type (nosniff), may run nothing in it even when opened as a page (CSP with `sandbox`), no
 * page may frame it (`frame-ancestors`, and X-Frame-Options for older browsers), and it is
 * treated as a file. Ids never change their bytes, so caching is forever.
 */
const SERVE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'content-disposition': 'inline; filename="upload"',
  'cache-control': 'private, max-age=31536000, immutable',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * `POST /v1/uploads` and `GET /v1/uploads/{id}` (docs/protocol.md, "HTTP API"). The
 * returned handler resolves false for any other path, so a server can try the next route.
 */
export function uploadRoutes(opts: UploadRoutesOptions) {
  const { maxBytes } = opts;
  const log = opts.log;

  /** Uploads in progress per user on this gateway (NATTER_UPLOADS_IN_FLIGHT_PER_USER). */
  const inFlight = new Map<string, number>();

  async function post(req: IncomingMessage, res: ServerResponse, store: UploadStore): Promise<void> {
    const owner = await opts.auth(req);
    const running = inFlight.get(owner) ?? 0;
    if (opts.inFlightPerUser !== undefined && running >= opts.inFlightPerUser) {
      throw new NatterError(
        'rate_limited',
        `NATTER_UPLOADS_IN_FLIGHT_PER_USER: ${opts.inFlightPerUser} uploads of yours are in progress; retry after one ends`,
        IN_FLIGHT_RETRY_MS,
      );
    }
    inFlight.set(owner, running + 1);
    try {
      await receive(req, res, store, owner);
    } finally {
      const left = (inFlight.get(owner) ?? 1) - 1;
      if (left > 0) inFlight.set(owner, left);
      else inFlight.delete(owner);
    }
  }

  async function receive(
    req: IncomingMessage,
    res: ServerResponse,
    store: UploadStore,
    owner: string,
  ): Promise<void> {
    const type = baseMediaType(req.headers['content-type']);
    if (!isUploadType(type)) {
      throw new NatterError(
        'bad_request',
        `Content-Type: ${JSON.stringify(type)} is not one of ${UPLOAD_TYPES.join(', ')}`,
      );
    }
    const quota = opts.bytesPerDay;
    const declared = declaredLength(req);
    if (quota !== undefined && (declared === undefined || declared <= maxBytes)) {
      // Before reading: a body that cannot fit is refused unread. A chunked one is checked
      // for one byte here (a user already at the quota sends nothing) and in full at `put`.
      const wait = await store.quotaWait(owner, declared ?? 1, quota);
      if (wait > 0) throw overQuota(quota, wait);
    }
    let bytes: Buffer;
    try {
      bytes = await readBodyLimited(req, maxBytes);
    } catch (err) {
      if (err instanceof BodyAbortedError) {
        res.destroy(); // nobody is left to answer
        return;
      }
      if (!(err instanceof BodyTooLargeError)) throw err;
      throw new NatterError('too_large', `body: larger than ${maxBytes} bytes`);
    }
    if (bytes.length === 0) throw new NatterError('bad_request', 'body: empty');
    const actual = sniffType(bytes);
    if (actual !== type) {
      const what = actual ? `the bytes are ${actual}` : 'the bytes match no allowed type';
      throw new NatterError('bad_request', `body: Content-Type is ${type} but ${what}`);
    }
    const id = newUploadId();
    try {
      await store.put({ id, type, owner, bytes }, quota);
    } catch (err) {
      if (err instanceof UploadQuotaError) throw overQuota(quota!, err.retryAfterMs);
      throw err;
    }
    log.debug({ upload: id, user: owner, type, size: bytes.length }, 'stored upload');
    sendJson(res, 201, { url: `/v1/uploads/${id}`, type, size: bytes.length });
  }

  async function get(
    req: IncomingMessage,
    res: ServerResponse,
    store: UploadStore,
    id: string,
  ): Promise<void> {
    const upload = UPLOAD_ID_RE.test(id) ? await store.get(id) : undefined;
    if (!upload) throw new NatterError('not_found', 'no such upload');
    res.writeHead(200, {
      'content-type': upload.type,
      'content-length': String(upload.bytes.length),
      ...SERVE_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : upload.bytes);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const isCollection = path === '/v1/uploads';
    const item = /^\/v1\/uploads\/([^/]+)$/.exec(path);
    if (!isCollection && !item) return false;
    try {
      const store = opts.store;
      if (!store)
        throw new NatterError('unavailable', 'uploads are not configured on this server (no database)');
      if (isCollection && req.method === 'POST') await post(req, res, store);
      else if (item && (req.method === 'GET' || req.method === 'HEAD')) await get(req, res, store, item[1]!);
      else throw new NatterError('not_found', `no route ${req.method} ${path}`);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
      } else if (err instanceof NatterError) {
        // An answer before the body was read in full (refused unread, or cut off past the
        // limit) closes the connection: reading the rest only to discard it would let a
        // refused client keep the gateway busy.
        sendError(res, err, req.complete ? {} : { connection: 'close' });
      } else {
        // A store failure: nothing was stored (put) or nothing can be read now; a retry may work.
        log.warn({ err, path }, 'upload store failed; answered unavailable');
        sendError(res, backendUnavailable('upload store', err));
      }
    }
    return true;
  };
}
