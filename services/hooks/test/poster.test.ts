import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Poster } from '../src/poster.ts';

/** A local receiver whose `handle` decides each request; it records which socket each came on. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const sockets: unknown[] = [];
  const server = createServer((req, res) => {
    sockets.push(req.socket);
    req.resume();
    req.on('end', () => handle(req, res, sockets.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  stops.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url, sockets };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
const never = new AbortController().signal;

describe('Poster', () => {
  it('sends request after request over one kept-alive connection; 2xx is delivered, else the status', async () => {
    const r = await receiver((_req, res, n) => res.writeHead(n === 3 ? 503 : 200).end('ok'));
    const p = new Poster(r.url, 1000);
    expect(await p.post({}, '{"a":1}', never)).toBeUndefined();
    expect(await p.post({}, '{"a":2}', never)).toBeUndefined();
    expect(await p.post({}, '{"a":3}', never)).toBe('status 503');
    expect(new Set(r.sockets).size).toBe(1);
    p.close();
  });

  it('resends at once, on a new connection, a request whose reused connection was reset', async () => {
    // The second request's socket is destroyed unanswered, as a receiver closing an idle
    // keep-alive connection does; the resend (third request) is answered.
    const r = await receiver((req, res, n) => (n === 2 ? req.socket.destroy() : res.writeHead(200).end()));
    const p = new Poster(r.url, 1000);
    expect(await p.post({}, '1', never)).toBeUndefined();
    expect(await p.post({}, '2', never)).toBeUndefined();
    expect(r.sockets.length).toBe(3);
    expect(new Set(r.sockets).size).toBe(2);
    p.close();
  });

  it('does not resend when a new connection is reset; times out a receiver that never answers', async () => {
    const reset = await receiver((req) => req.socket.destroy());
    const p = new Poster(reset.url, 1000);
    expect(await p.post({}, '1', never)).toBe('unreachable');
    expect(reset.sockets.length).toBe(1);
    p.close();
    const hang = await receiver(() => {});
    const slow = new Poster(hang.url, 100);
    expect(await slow.post({}, '1', never)).toBe('timeout');
    const stop = new AbortController();
    const pending = slow.post({}, '2', stop.signal);
    stop.abort();
    expect(await pending).toBe('stopped');
    slow.close();
  });
});
