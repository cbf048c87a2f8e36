import net from 'node:net';

/** Ports this process handed out already: the OS may offer one again before its user binds it. */
const given = new Set<number>();

/**
 * A port nothing listens on right now on 127.0.0.1, picked by the OS, and never the same
 * twice in one process (a bench starting six gateways at once asks for twelve ports before
 * any of them binds; two of them getting the same one made a client reach another
 * gateway's metrics server). Another process may still take it before the caller binds it;
 * the OS hands out ephemeral ports round-robin, which makes that rare.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (!given.has(port)) {
      given.add(port);
      return port;
    }
  }
}

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
