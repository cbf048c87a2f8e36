import type { MessageView, NatterClient } from '@natter/client';

/** The most a history page may hold (PROTOCOL.md: `limit` 1-200). */
const PAGE = 200;

/** The last `n` messages of `conv` with seq <= `upTo`, oldest first. */
export async function lastMessages(
  client: NatterClient,
  conv: string,
  n: number,
  upTo: number,
): Promise<MessageView[]> {
  const pages: MessageView[][] = [];
  let count = 0;
  let before = upTo + 1;
  while (count < n && before > 1) {
    const { messages, more } = await client.history(conv, { before, limit: Math.min(PAGE, n - count) });
    if (messages.length === 0) break;
    pages.unshift(messages);
    count += messages.length;
    before = messages[0].seq;
    if (!more) break;
  }
  return pages.flat().slice(-n);
}

/**
 * Every message of `conv` with `after` < seq < `before`, oldest first, page by page
 * (`onPage` gets each page as it arrives, so a long backlog prints as it loads).
 */
export async function messagesBetween(
  client: NatterClient,
  conv: string,
  after: number,
  before: number,
  onPage: (messages: MessageView[]) => void,
): Promise<void> {
  let from = after;
  while (from < before - 1) {
    const { messages, more } = await client.history(conv, { after: from, limit: PAGE });
    const wanted = messages.filter((m) => m.seq < before);
    if (wanted.length > 0) onPage(wanted);
    if (!more || messages.length === 0 || wanted.length < messages.length) return;
    from = messages[messages.length - 1].seq;
  }
}
