import type { MessageView, SendResult } from '@natter/protocol';
import { REPLY_PREVIEW_CHARS } from '@natter/protocol';
import type { MessageStore } from './message-store.ts';
import type { OpParams } from './ops.ts';

/**
 * The message one's own send stored, as far as the client knows it: the server does not
 * send it back to this session. Its mentions are the server's to find (a later state of
 * the message has them); a reply's preview comes from the store's copy of the original.
 */
export function sentMessage(
  result: SendResult,
  params: OpParams<'send'>,
  user: string,
  store: MessageStore,
): MessageView {
  const m: MessageView = {
    conv: result.conv,
    seq: result.seq,
    mid: result.mid,
    from: user,
    ts: result.ts,
    ver: result.ver ?? 0,
    cid: params.cid,
  };
  if (params.text !== undefined) m.text = params.text;
  if (params.attachments !== undefined) m.attachments = params.attachments;
  if (params.reply !== undefined) {
    const to = store.get(result.conv, params.reply);
    m.reply = {
      seq: params.reply,
      from: to?.from ?? '',
      preview: [...(to?.text ?? '')].slice(0, REPLY_PREVIEW_CHARS).join(''),
    };
  }
  return m;
}
