import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { BodyAbortedError, BodyTooLargeError, readBodyLimited } from './body.ts';
import { sendError, sendJson } from './http.ts';
import { newUploadId, UPLOAD_ID_RE, type UploadStore } from './store.ts';
import { baseMediaType, isUploadType, sniffType, UPLOAD_TYPES } from './types.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export interface UploadRoutesOptions {
  /** Where uploads live; without one every upload route answers 503 `unavailable`. */
  store: UploadStore | undefined;
  /** Resolves with the caller's user id, or rejects with NatterError `unauthenticated`. */
  auth: (req: IncomingMessage) => Promise<string>;
  /** Largest upload in bytes (NATTER_MAX_UPLOAD_BYTES). */
  maxBytes?: number;
  log: Logger;
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
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const log = opts.log;

  async function post(req: IncomingMessage, res: ServerResponse, store: UploadStore): Promise<void> {
    const owner = await opts.auth(req);
    const type = baseMediaType(req.headers['content-type']);
    if (!isUploadType(type)) {
      throw new NatterError(
        'bad_request',
        `Content-Type: ${JSON.stringify(type)} is not one of ${UPLOAD_TYPES.join(', ')}`,
      );
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
      // The rest of the body stays unread: the connection closes after this answer.
      sendError(res, new NatterError('too_large', `body: larger than ${maxBytes} bytes`), {
        connection: 'close',
      });
      return;
    }
    if (bytes.length === 0) throw new NatterError('bad_request', 'body: empty');
    const actual = sniffType(bytes);
    if (actual !== type) {
      const what = actual ? `the bytes are ${actual}` : 'the bytes match no allowed type';
      throw new NatterError('bad_request', `body: Content-Type is ${type} but ${what}`);
    }
    const id = newUploadId();
    await store.put({ id, type, owner, bytes });
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
        sendError(res, err);
      } else {
        // A store failure: nothing was stored (put) or nothing can be read now; a retry may work.
        log.warn({ err, path }, 'upload store failed; answered unavailable');
        sendError(res, new NatterError('unavailable', 'the upload store is unavailable; try again'));
      }
    }
    return true;
  };
}
