import net from 'node:net';

/**
 * A port nothing listens on right now on 127.0.0.1, picked by the OS. Another process may
 * still take it before the caller binds it; the OS hands out ephemeral ports round-robin,
 * which makes that rare.
 */
export function freePort(): Promise<number> {
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
