import { isOp, NatterError, type Op } from '@natter/protocol';
import { describeIssue, Envelope, RequestSchemas } from '@natter/protocol/schemas';
import type { RawData } from 'ws';

/** A frame already encoded once, shareable by every session it goes to. */
export type Encoded = Buffer;

export function encodeFrame(frame: unknown): Encoded {
  return Buffer.from(JSON.stringify(frame));
}

export type InboundFrame = { id?: number | string; op: Op; params: Record<string, unknown> };

/** Why a frame closes the connection instead of getting an error reply. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

/**
 * Parses one text frame into an op and its validated params. Not JSON or not an object is
 * a protocol violation (close 4000); a bad envelope or params is `bad_request`, thrown as
 * NatterError with the request id when one could be read.
 */
export function parseFrame(data: RawData): InboundFrame {
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    throw new ProtocolViolation('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolViolation('frame is not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const env = Envelope.safeParse(obj);
  if (!env.success) {
    const id = typeof obj.id === 'number' || typeof obj.id === 'string' ? obj.id : undefined;
    throw new FrameError(
      new NatterError('bad_request', describeIssue(env.error)),
      safeId(id),
      opName(obj.op),
    );
  }
  const { id, op } = env.data;
  if (!isOp(op)) {
    throw new FrameError(new NatterError('bad_request', `op: unknown op ${JSON.stringify(op)}`), id, op);
  }
  const parsed = RequestSchemas[op].safeParse(obj);
  if (!parsed.success)
    throw new FrameError(new NatterError('bad_request', describeIssue(parsed.error)), id, op);
  return { id, op, params: parsed.data as Record<string, unknown> };
}

/** A request that failed validation, with what is needed to answer it. */
export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    readonly error: NatterError,
    readonly id: number | string | undefined,
    readonly op: string,
  ) {
    super(error.message);
  }
}

function safeId(id: number | string | undefined): number | string | undefined {
  const r = Envelope.shape.id.safeParse(id);
  return r.success ? r.data : undefined;
}

function opName(op: unknown): string {
  return typeof op === 'string' ? op.slice(0, 32) : 'unknown';
}
