import http from 'node:http';
import https from 'node:https';

/** A reused keep-alive socket was found closed: worth one immediate resend. */
const RESET = 'reset on a reused connection';

/**
 * POSTs to one webhook URL over one kept-alive connection (node:http with an Agent of one
 * socket), so a delivery costs one request and no TCP/TLS setup: with a connection per
 * request (or fetch's per-origin pool shared by every URL) the handshakes dominate a fast
 * receiver. One socket also means this instance can never send one URL two requests at once.
 */
export class Poster {
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.target = new URL(url);
    const tls = this.target.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({ keepAlive: true, maxSockets: 1 })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.request = tls ? https.request : http.request;
  }

  /**
   * POSTs `body`; resolves undefined when answered 2xx, else why not ('status 503',
   * 'timeout' when no answer came within timeoutMs, 'unreachable', or 'stopped' when
   * `signal` aborted it). Never rejects.
   */
  async post(
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const first = await this.once(headers, body, signal);
    // A kept-alive socket the receiver closed while idle (its keep-alive timeout) fails the
    // next request with ECONNRESET before anything was received: send it again at once on a
    // new socket (Node's documented `reusedSocket` case), rather than as a failure to back
    // off from. The receiver dedupes by webhook-id should it have seen it after all.
    return first === RESET
      ? this.once(headers, body, signal).then((o) => (o === RESET ? 'unreachable' : o))
      : first;
  }

  private once(
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: string | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = this.request(this.target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        signal,
      });
      const timer = setTimeout(() => {
        done('timeout');
        req.destroy();
      }, this.timeoutMs);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        // Read the body to its end so the connection can carry the next request.
        res.on('error', () => done('unreachable'));
        res.on('end', () => done(status >= 200 && status < 300 ? undefined : `status ${status}`));
        res.resume();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') done('stopped');
        else done(req.reusedSocket && err.code === 'ECONNRESET' ? RESET : 'unreachable');
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
