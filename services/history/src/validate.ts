import type { SendRequest } from '@natter/contracts';
import {
  charLength,
  DEFAULT_LIMITS,
  isUser,
  NatterError,
  type ParsedTarget,
  parseTarget,
  USER_RE,
} from '@natter/protocol';
import { Attachment, describeIssue } from '@natter/protocol/schemas';
import { z } from 'zod';

/**
 * Defensive checks of what the gateway already validated: the bus is inside the trust
 * boundary, but a bad value must answer bad_request here rather than reach SQL as garbage.
 */
export interface CheckedSend {
  target: ParsedTarget;
  /** As parsed: unknown fields stripped. */
  attachments?: Attachment[];
}

export function checkSend(req: SendRequest, maxTextChars: number): CheckedSend {
  if (!isUser(req.from)) throw new NatterError('bad_request', `from: must match ${USER_RE.source}`);
  const target = typeof req.to === 'string' ? parseTarget(req.to) : undefined;
  if (!target) throw new NatterError('bad_request', 'to: must be room:<room> or user:<user>');
  if (typeof req.cid !== 'string' || req.cid.length < 1 || req.cid.length > 64) {
    throw new NatterError('bad_request', 'cid: must be a string of 1-64 characters');
  }
  if (req.text !== undefined && typeof req.text !== 'string') {
    throw new NatterError('bad_request', 'text: must be a string');
  }
  let attachments: Attachment[] | undefined;
  if (req.attachments !== undefined) {
    const parsed = z.array(Attachment).safeParse(req.attachments);
    if (!parsed.success) {
      throw new NatterError('bad_request', `attachments.${describeIssue(parsed.error)}`);
    }
    if (parsed.data.length > 0) attachments = parsed.data;
  }
  if (!req.text && !req.attachments?.length) {
    throw new NatterError('bad_request', 'text: a message needs text or attachments');
  }
  if (req.text !== undefined && charLength(req.text) > maxTextChars) {
    throw new NatterError('too_large', `text: longer than ${maxTextChars} characters`);
  }
  if (req.attachments !== undefined && req.attachments.length > DEFAULT_LIMITS.maxAttachments) {
    throw new NatterError('too_large', `attachments: more than ${DEFAULT_LIMITS.maxAttachments}`);
  }
  // Postgres text and jsonb cannot hold U+0000.
  if (req.text?.includes('\u0000')) throw new NatterError('bad_request', 'text: must not contain U+0000');
  if (req.attachments && JSON.stringify(req.attachments).includes('\\u0000')) {
    throw new NatterError('bad_request', 'attachments: must not contain U+0000');
  }
  return attachments ? { target, attachments } : { target };
}

export function checkUser(user: unknown, field = 'user'): string {
  if (!isUser(user)) throw new NatterError('bad_request', `${field}: must match ${USER_RE.source}`);
  return user;
}

export function checkSeq(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new NatterError('bad_request', `${field}: must be a non-negative integer`);
  }
  return value as number;
}
