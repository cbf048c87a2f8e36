import { afterEach, beforeEach } from 'vitest';
import WebSocket from 'ws';
import { NatterClient } from '../src/client.ts';
import type { NatterClientOptions } from '../src/options.ts';
import { FakeServer } from './fake-server.ts';

/**
 * A fresh FakeServer for each test, and clients against it (alice in open mode, quick
 * reconnects, plus `defaults`) that are closed after the test with the server.
 */
export function fakeServerHarness(defaults: Partial<NatterClientOptions> = {}) {
  const clients: NatterClient[] = [];
  const h = {
    server: undefined as unknown as FakeServer,
    makeClient(opts: Partial<NatterClientOptions> = {}): NatterClient {
      const client = new NatterClient({
        url: h.server.url,
        WebSocket,
        user: 'alice',
        reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
        ...defaults,
        ...opts,
      });
      clients.push(client);
      return client;
    },
  };
  beforeEach(async () => {
    h.server = await FakeServer.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await h.server.close();
  });
  return h;
}
