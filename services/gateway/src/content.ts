import type { Config } from '@natter/config';
import { charLength, isUploadPath, NatterError } from '@natter/protocol';
import { Attachment, describeIssue } from '@natter/protocol/schemas';

const MAX_ATTACHMENTS = 10;

/**
 * Checks a message's content against docs/protocol.md (`send`): text or attachments, the
 * text limit (`too_large`), at most 10 attachments each matching the schema, and no remote
 * attachment URL unless `NATTER_REMOTE_ATTACHMENTS=allow` (a reader's client that loads one
 * tells the sender's chosen host who read the message, and when). Used by the WebSocket
 * `send` and the server API alike. Returns the parsed attachments.
 */
export function checkContent(
  p: { text?: string; attachments?: unknown[] },
  config: Pick<Config, 'maxTextChars' | 'remoteAttachments'>,
): Attachment[] | undefined {
  const { maxTextChars } = config;
  if (p.text === undefined && p.attachments === undefined) {
    throw new NatterError('bad_request', 'text: a message needs text or attachments');
  }
  if (p.text !== undefined && charLength(p.text) > maxTextChars) {
    throw new NatterError('too_large', `text: longer than ${maxTextChars} characters`);
  }
  if (p.text?.includes('\u0000')) throw new NatterError('bad_request', 'text: must not contain U+0000');
  if (
    p.text !== undefined &&
    (p.attachments === undefined || p.attachments.length === 0) &&
    p.text.trim() === ''
  ) {
    throw new NatterError('bad_request', 'text: must not be empty');
  }
  if (p.attachments === undefined) return undefined;
  if (p.attachments.length > MAX_ATTACHMENTS) {
    throw new NatterError('too_large', `attachments: more than ${MAX_ATTACHMENTS}`);
  }
  return p.attachments.map((a, i) => {
    const r = Attachment.safeParse(a);
    if (!r.success) throw new NatterError('bad_request', `attachments.${i}.${describeIssue(r.error)}`);
    if (!config.remoteAttachments && !isUploadPath(r.data.url)) {
      throw new NatterError(
        'bad_request',
        `attachments.${i}.url: remote URLs are off on this server (NATTER_REMOTE_ATTACHMENTS=allow turns them on)`,
      );
    }
    return r.data;
  });
}
