import type { SendRequest } from '@natter/contracts';
import {
  type Attachment,
  isUser,
  NatterError,
  parseSendTarget,
  type SendTarget,
  USER_RE,
} from '@natter/protocol';
import { parseContent } from '@natter/protocol/schemas';

/**
 * Defensive checks of what the gateway already validated: the bus is inside the trust
 * boundary, but a bad value must answer bad_request here rather than reach SQL as garbage.
 * The content rules are the protocol's own (parseContent), the same the gateway applies.
 */
export interface CheckedSend {
  target: SendTarget;
  /** As parsed: unknown fields stripped. */
  attachments?: Attachment[];
}

export function checkSend(req: SendRequest, maxTextChars: number): CheckedSend {
  if (!isUser(req.from)) throw new NatterError('bad_request', `from: must match ${USER_RE.source}`);
  const target = typeof req.to === 'string' ? parseSendTarget(req.to) : undefined;
  if (!target)
    throw new NatterError(
      'bad_request',
      'to: must be room:<room>, user:<user> or thread:<room or dm conv>:<seq> (threads do not nest)',
    );
  if (typeof req.cid !== 'string' || req.cid.length < 1 || req.cid.length > 64) {
    throw new NatterError('bad_request', 'cid: must be a string of 1-64 characters');
  }
  if (req.text !== undefined && typeof req.text !== 'string') {
    throw new NatterError('bad_request', 'text: must be a string');
  }
  if (req.attachments !== undefined && !Array.isArray(req.attachments)) {
    throw new NatterError('bad_request', 'attachments: must be an array');
  }
  const attachments = parseContent(req, maxTextChars);
  // Postgres text and jsonb cannot hold U+0000 (parseContent has refused it in the text).
  if (attachments && JSON.stringify(attachments).includes('\\u0000')) {
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
