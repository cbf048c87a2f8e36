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
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
 * fails before reading anything; a body that turns out longer (chunked) fails as soon as
 * the first chunk past the limit arrives, and reading stops there (the stream is paused,
 * not destroyed, so the caller can still answer on the socket).
 */
export function readBodyLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
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
