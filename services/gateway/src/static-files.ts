import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

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

/** What the web client learns from its gateway at start (`GET /config.json`, web/src/main.ts). */
export interface WebPageConfig {
  /** Gateway origins besides the page's own that `?ws=` may name (NATTER_WEB_GATEWAYS). */
  gateways: string[];
}

/**
 * Serves the built web client (web/dist) and its `/config.json`; unknown paths fall back to
 * index.html.
 */
export function staticRoutes(dir: string | undefined, page: WebPageConfig) {
  const root = dir ? resolve(dir) : undefined;
  const enabled = root !== undefined && existsSync(join(root, 'index.html'));
  const pageJson = JSON.stringify(page);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!enabled || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
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
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile())
      file = join(root, 'index.html');
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'cache-control': file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}
