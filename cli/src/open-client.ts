import { type HelloResult, NatterClient, NatterClientError } from '@natter/client';
import WebSocket from 'ws';
import type { ConnOptions } from './args.ts';
import { complain, type Io } from './io.ts';

/** A client for `conn` (not yet connected). Node 20 has no global WebSocket, hence `ws`. */
export function createClient(conn: ConnOptions): NatterClient {
  return new NatterClient({
    url: conn.url,
    WebSocket,
    device: 'cli',
    requestTimeoutMs: conn.timeoutMs,
    ...(conn.token === undefined ? {} : { token: conn.token }),
    ...(conn.user === undefined ? {} : { user: conn.user }),
  });
}

/** Thrown when no session could be had: the server refused, or did not answer in time. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

/** Connects, or closes the client and throws ConnectError saying why. */
export async function connectOrExplain(client: NatterClient, conn: ConnOptions): Promise<HelloResult> {
  try {
    return await client.connect({ timeoutMs: conn.timeoutMs });
  } catch (cause) {
    client.close();
    const why =
      cause instanceof NatterClientError && cause.code === 'timeout'
        ? `no session within ${conn.timeoutMs / 1000}s (is the server running?)`
        : describeError(cause);
    throw new ConnectError(`could not connect to ${conn.url}: ${why}`, { cause });
  }
}

/**
 * For commands that run on after connecting (connect, tail): the session, or undefined after
 * saying on stderr why there is none (the caller exits 1).
 */
export async function connectOrComplain(
  client: NatterClient,
  conn: ConnOptions,
  io: Io,
): Promise<HelloResult | undefined> {
  try {
    return await connectOrExplain(client, conn);
  } catch (err) {
    complain(io, err instanceof ConnectError ? err.message : describeError(err));
    return undefined;
  }
}

/** `forbidden: not a member of room:ops`: the code first, for scripts and people alike. */
export function describeError(err: unknown): string {
  if (err instanceof NatterClientError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** `promise`, or a NatterClientError `timeout` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new NatterClientError('timeout', `${what}: no result within ${ms / 1000}s`)),
      ms,
    );
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
