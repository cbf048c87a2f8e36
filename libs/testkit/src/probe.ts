import net from 'node:net';

/** Sends `request` over a fresh TCP connection and resolves true once the reply contains `expect`. */
export function tcpProbe(port: number, request: string, expect: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => {
      if (request !== '') socket.write(request);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes(expect)) finish(true);
    });
  });
}

/** True when GET `url` answers 200. */
export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
