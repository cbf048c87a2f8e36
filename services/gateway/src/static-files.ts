import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { WEB_CLIENT_HEADERS } from './security-headers.ts';
import { decodePathPart } from './url-path.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Whether `file` (normalized) is below `root`. A plain prefix test is not enough: `/srv/web`
 * is a prefix of `/srv/web-private/x` too, which `/..%2fweb-private%2fx` reaches.
 */
function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** What the web client learns from its gateway at start (`GET /config.json`, web/src/main.ts). */
export interface WebPageConfig {
  /** Gateway origins besides the page's own that `?ws=` may name (NATTER_WEB_GATEWAYS). */
  gateways: string[];
}

/**
 * Serves the built web client (web/dist) and its `/config.json`; unknown paths fall back to
 * index.html. A path with a malformed `%` escape throws NatterError `bad_request`.
 */
export function staticRoutes(dir: string | undefined, page: WebPageConfig) {
  const root = dir ? resolve(dir) : undefined;
  const enabled = root !== undefined && existsSync(join(root, 'index.html'));
  const pageJson = JSON.stringify(page);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!enabled || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const path = decodePathPart(new URL(req.url ?? '/', 'http://localhost').pathname, 'path');
    if (path === '/config.json') {
      res.writeHead(200, {
        'content-type': TYPES['.json']!,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : pageJson);
      return true;
    }
    let file = normalize(join(root, path));
    if (!inside(root, file) || !existsSync(file) || !statSync(file).isFile()) file = join(root, 'index.html');
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'cache-control': file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...WEB_CLIENT_HEADERS,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}
