import type { Config } from '@natter/config';
import { type Attachment, isUploadPath, NatterError } from '@natter/protocol';
import { parseContent } from '@natter/protocol/schemas';

/**
 * Checks a message's content at the edge: the protocol's content rules (parseContent), and
 * no remote attachment URL unless `NATTER_REMOTE_ATTACHMENTS=allow` (a reader's client that
 * loads one tells the sender's chosen host who read the message, and when). Used by the
 * WebSocket `send` and the server API alike. Returns the parsed attachments.
 */
export function checkContent(
  p: { text?: string; attachments?: unknown[] },
  config: Pick<Config, 'maxTextChars' | 'remoteAttachments'>,
): Attachment[] | undefined {
  const attachments = parseContent(p, config.maxTextChars);
  if (config.remoteAttachments) return attachments;
  for (const [i, a] of (attachments ?? []).entries()) {
    if (!isUploadPath(a.url)) {
      throw new NatterError(
        'bad_request',
        `attachments.${i}.url: remote URLs are off on this server (NATTER_REMOTE_ATTACHMENTS=allow turns them on)`,
      );
    }
  }
  return attachments;
}
