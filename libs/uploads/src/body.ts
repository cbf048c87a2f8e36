import type { IncomingMessage } from 'node:http';

/** The request body passed `limit` bytes; nothing past the limit was read into memory. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The client went away before the body was complete. */
export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

/**
 * The body's declared Content-Length, or undefined when it is chunked (or the header is not
 * a plain number, which Node's parser refuses anyway).
 */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
 * fails before reading anything; a body that turns out longer (chunked) fails as soon as
 * the first chunk past the limit arrives, and reading stops there (the stream is paused,
 * not destroyed, so the caller can still answer on the socket; an answer with
 * `Connection: close` then closes it). Buffers are never allocated ahead of the bytes that
 * arrived: a client declaring a large length and sending nothing costs nothing.
 */
export function readBodyLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) {
    return Promise.reject(new BodyTooLargeError(`body: ${declared} bytes declared, the limit is ${limit}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(`body: more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new BodyAbortedError('body: the request failed while reading', { cause: err }));
    };
    const onClose = () => {
      cleanup();
      reject(new BodyAbortedError('body: the client closed the request before its end'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
