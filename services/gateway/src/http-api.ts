import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RawJson } from '@natter/contracts';
import { newTraceId } from '@natter/log';
import { NatterError, parseConv, USER_RE } from '@natter/protocol';
import { asyncapiDocument } from '@natter/protocol/asyncapi';
import { describeIssue, RequestSchemas } from '@natter/protocol/schemas';
import { bearerToken, sendError, sendJson, sendJsonText } from '@natter/uploads';
import { z } from 'zod';
import { checkContent } from './content.ts';
import { historyPage } from './context.ts';
import type { Gateway } from './gateway.ts';
import { openapiDocument } from './openapi.ts';
import { listConvs, requireTarget } from './ops.ts';
import { decodePathPart } from './url-path.ts';

const MAX_BODY = 256 * 1024;

/** Generated from the protocol's schemas once, at the first request for it. */
let asyncapi: unknown;

const ServerMessage = z.object({
  from: z.string().regex(USER_RE, `must match ${USER_RE.source}`),
  to: RequestSchemas.send.shape.to,
  cid: RequestSchemas.send.shape.cid,
  text: z.string().optional(),
  attachments: RequestSchemas.send.shape.attachments,
});

const seqParam = z.coerce.number().int().nonnegative().optional();
const HistoryParams = z.object({
  before: seqParam,
  after: seqParam,
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

const EventsParams = z.object({
  // A cursor is `<digits>-<digits>`; the hooks service checks it is one of the log's.
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new NatterError('too_large', `body: larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new NatterError('bad_request', 'body: not JSON');
  }
}

/** Compares a presented secret with the configured one in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuses a request without the server API key (403 while the server API is off). */
function requireApiKey(gw: Gateway, req: IncomingMessage): void {
  const key = gw.config.apiKey;
  if (!key) throw new NatterError('forbidden', 'the server API is off (set NATTER_API_KEY)');
  if (!sameSecret(bearerToken(req), key))
    throw new NatterError('unauthenticated', 'Authorization: not the server API key');
}

/**
 * The `/v1` HTTP API (docs/protocol.md, "HTTP API"). Returns false when the path is not
 * one of its routes, so the server can try the next handler.
 */
export function apiRoutes(gw: Gateway) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/v1/')) return false;
    const trace = newTraceId();
    try {
      if (url.pathname === '/v1/openapi.json' && req.method === 'GET') {
        sendJson(res, 200, openapiDocument());
        return true;
      }
      if (url.pathname === '/v1/asyncapi.json' && req.method === 'GET') {
        asyncapi ??= asyncapiDocument();
        sendJson(res, 200, asyncapi);
        return true;
      }
      if (url.pathname === '/v1/conversations' && req.method === 'GET') {
        const { user } = await gw.auth.verify(bearerToken(req));
        const { convs } = await listConvs(gw, user);
        sendJson(res, 200, { convs });
        return true;
      }
      const m = /^\/v1\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const { user } = await gw.auth.verify(bearerToken(req));
        const conv = decodePathPart(m[1], 'conv');
        if (!parseConv(conv))
          throw new NatterError(
            'bad_request',
            `conv: ${JSON.stringify(conv)} is not room:<room> or dm:<a>:<b>`,
          );
        const q = HistoryParams.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) throw new NatterError('bad_request', describeIssue(q.error));
        if (q.data.before !== undefined && q.data.after !== undefined) {
          throw new NatterError('bad_request', 'before: give before or after, not both');
        }
        const page = await historyPage(gw, { v: 1, user, conv, ...q.data, limit: q.data.limit ?? 50 }, trace);
        if (page instanceof RawJson) sendJsonText(res, 200, page.json);
        else sendJson(res, 200, page);
        return true;
      }
      if (url.pathname === '/v1/events' && req.method === 'GET') {
        requireApiKey(gw, req);
        const q = EventsParams.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) throw new NatterError('bad_request', describeIssue(q.error));
        const page = await gw.rpc.call(
          'eventsRead',
          { v: 1, after: q.data.after, limit: q.data.limit ?? 100 },
          { trace },
        );
        sendJson(res, 200, page);
        return true;
      }
      if (url.pathname === '/v1/messages' && req.method === 'POST') {
        requireApiKey(gw, req);
        const body = ServerMessage.safeParse(await readJson(req));
        if (!body.success) throw new NatterError('bad_request', describeIssue(body.error));
        const p = body.data;
        requireTarget(p.to);
        const attachments = checkContent(p, gw.config);
        const result = await gw.rpc.call(
          'msgSend',
          { v: 1, from: p.from, to: p.to, cid: p.cid, text: p.text, attachments, system: true },
          { trace },
        );
        sendJson(res, 200, { conv: result.conv, seq: result.seq, mid: result.mid, ts: result.ts });
        return true;
      }
      throw new NatterError('not_found', `no route ${req.method} ${url.pathname}`);
    } catch (err) {
      if (err instanceof NatterError) {
        // The client's mistake or a backend's answer, not the gateway's: no stack at error.
        gw.log.debug(
          { trace, path: url.pathname, code: err.code, reason: err.message },
          'HTTP request refused',
        );
        sendError(res, err);
      } else {
        gw.log.error({ err, trace, path: url.pathname }, 'HTTP request failed; answered internal');
        sendError(res, new NatterError('internal', `internal error (trace ${trace})`));
      }
      return true;
    }
  };
}
