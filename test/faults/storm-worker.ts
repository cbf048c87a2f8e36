/**
 * One process of the fault suite's storm (storm.ts forks several): SDK clients with their
 * sockets bound to given source addresses (127.0.0.x), reporting to the parent over IPC how
 * many have a session on which gateway, how many hellos were refused and retried, and how
 * many clients gave up (a hello that failed beyond the SDK's retries).
 */
import { NatterClient, type WebSocketConstructor } from '@natter/client';
import WebSocket from 'ws';
import { token } from '../helpers/cluster.ts';

export type StormCommand =
  | { cmd: 'connect'; users: string[]; urls: string[]; addresses: string[]; concurrency: number }
  | { cmd: 'status' }
  | { cmd: 'close' };

export interface StormStatus {
  /** Clients with a live session, by gateway id. */
  open: Record<string, number>;
  clients: number;
  /** Connections that ended (a killed gateway, a refused upgrade or hello) and were retried. */
  disconnects: number;
  /** Clients the SDK closed for good (a refusal it would not retry). */
  gaveUp: number;
  firstError?: string;
}

const clients: NatterClient[] = [];
const status: StormStatus = { open: {}, clients: 0, disconnects: 0, gaveUp: 0 };

function bound(address: string): WebSocketConstructor {
  return class BoundWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress: address, perMessageDeflate: false });
    }
  };
}

function snapshot(): StormStatus {
  const open: Record<string, number> = {};
  for (const c of clients) {
    if (c.state !== 'open') continue;
    const gw = c.helloResult?.gateway ?? '?';
    open[gw] = (open[gw] ?? 0) + 1;
  }
  return { ...status, open, clients: clients.length };
}

async function connect(c: Extract<StormCommand, { cmd: 'connect' }>): Promise<void> {
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= c.users.length) return;
      const user = c.users[i];
      const client = new NatterClient({
        url: c.urls,
        WebSocket: bound(c.addresses[i % c.addresses.length]),
        token: () => token(user),
        device: 'storm',
        heartbeat: false,
        requestTimeoutMs: 20_000,
      });
      client.on('disconnect', () => {
        status.disconnects++;
      });
      client.on('error', (err) => {
        status.firstError ??= `${err.code}: ${err.message}`;
      });
      client.on('state', (s) => {
        if (s === 'closed' && !closing) status.gaveUp++;
      });
      clients.push(client);
      await client.connect().catch((err: unknown) => {
        status.firstError ??= String(err);
      });
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, one));
}

let closing = false;

process.on('message', (m: StormCommand & { id: number }) => {
  const reply = (result: unknown) => process.send?.({ id: m.id, result });
  if (m.cmd === 'connect') void connect(m).then(() => reply(snapshot()));
  else if (m.cmd === 'status') reply(snapshot());
  else {
    closing = true;
    for (const c of clients) c.close();
    reply(snapshot());
    setTimeout(() => process.exit(0), 200);
  }
});
