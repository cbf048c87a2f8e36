import { h } from '../dom.ts';
import { renderText } from '../linkify.ts';
import { MENTION_RE, mentionName } from '../mentions.ts';
import type { ChatMessage } from '../store.ts';

/**
 * Message text as DOM with links, and the mentions the server found (`m.mentions`)
 * highlighted; a mention of the reader stands out more. Only names the server listed are
 * marked, so `@nobody` stays plain text.
 */
export function renderMessageText(
  text: string,
  mentions: string[] | undefined,
  me: string,
): DocumentFragment {
  const frag = renderText(text);
  if (!mentions?.length) return frag;
  const named = new Set(mentions);
  for (const node of [...frag.childNodes]) {
    if (node.nodeType !== Node.TEXT_NODE) continue;
    const value = node.textContent ?? '';
    const parts: (Node | string)[] = [];
    let last = 0;
    for (const m of value.matchAll(MENTION_RE)) {
      const name = mentionName(m);
      if (!named.has(name)) continue;
      const start = (m.index ?? 0) + (m[1] ?? '').length;
      if (start > last) parts.push(value.slice(last, start));
      parts.push(h('span', { class: `mention${name === me ? ' mention-me' : ''}` }, `@${name}`));
      last = start + 1 + name.length;
    }
    if (parts.length === 0) continue;
    if (last < value.length) parts.push(value.slice(last));
    (node as ChildNode).replaceWith(...parts);
  }
  return frag;
}

/** The quoted message a reply answers (a tombstone's preview is empty). */
export function replyQuote(m: ChatMessage, onJump: (seq: number) => void): HTMLElement | null {
  if (!m.reply) return null;
  const { seq, from, preview } = m.reply;
  return h(
    'button',
    {
      class: 'reply-quote',
      attrs: { type: 'button', 'aria-label': `Reply to ${from}: ${preview || 'message deleted'}` },
      on: { click: () => onJump(seq) },
    },
    h('span', { class: 'reply-from' }, from),
    h('span', { class: 'reply-preview' }, preview || 'message deleted'),
  );
}

/** Reaction chips: each toggles my reaction with that emoji. */
export function reactionChips(
  m: ChatMessage,
  me: string,
  toggle: (emoji: string) => void,
): HTMLElement | null {
  if (!m.reactions?.length) return null;
  return h(
    'div',
    { class: 'reactions' },
    ...m.reactions.map((r) => {
      const mine = r.users.includes(me);
      const who =
        r.users.join(', ') + (r.count > r.users.length ? ` and ${r.count - r.users.length} more` : '');
      return h(
        'button',
        {
          class: `reaction${mine ? ' mine' : ''}`,
          attrs: {
            type: 'button',
            'aria-pressed': mine ? 'true' : 'false',
            'aria-label': `${r.emoji} ${r.count}: ${who}`,
            title: who,
            'data-emoji': r.emoji,
          },
          on: { click: () => toggle(r.emoji) },
        },
        h('span', { class: 'reaction-emoji' }, r.emoji),
        h('span', { class: 'reaction-count' }, String(r.count)),
      );
    }),
  );
}
