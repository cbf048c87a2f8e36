/**
 * Response headers that keep the gateway's pages from being framed (clickjacking) or
 * running anything they were not meant to. `X-Frame-Options` is there for browsers that
 * predate CSP's `frame-ancestors`.
 */

/**
 * The web client's policy. It repeats the meta tag of web/index.html, which guards the
 * page in the Vite dev server too, and adds what a meta tag cannot carry: `frame-ancestors`.
 * A browser enforces both, so this header must allow everything the meta tag does or the
 * client breaks (this package's test/http-edge.test.ts compares the two).
 * `connect-src` keeps `ws:` and `wss:` because `'self'` matches the page's own WebSocket
 * URL only in CSP Level 3.
 */
export const WEB_CLIENT_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: blob: data:",
    "media-src 'self' https: blob:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-src 'none'",
    "frame-ancestors 'self'",
  ].join('; '),
  'x-frame-options': 'SAMEORIGIN',
} as const;

/**
 * Everything else on the public port (the HTTP API, health, errors) is data, never a page:
 * it may load nothing and be framed by nobody.
 */
export const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
} as const;
