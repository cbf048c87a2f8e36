import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import type { Tick } from '../receipts.ts';
import type { ChatMessage } from '../store.ts';

/** One tick (delivered) or two (seen) on my own DM message; nothing before it is delivered. */
export function tickMark(tick: Tick): HTMLElement | '' {
  if (tick === 'sent') return '';
  return h(
    'span',
    {
      class: `tick ${tick}`,
      attrs: { role: 'img', 'aria-label': tick, title: tick === 'seen' ? 'Seen' : 'Delivered' },
    },
    icon(tick === 'seen' ? 'ticks' : 'tick', 14),
  );
}

/**
 * "Seen by" on my own room message: asks the server (`receipts`) only when clicked, never
 * on render, and lists who has read it under the message.
 */
export function seenByButton(
  row: HTMLElement,
  m: ChatMessage,
  me: string,
  seenBy: (m: ChatMessage) => Promise<string[]>,
): HTMLButtonElement {
  return iconButton(
    icon('eye', 16),
    'Seen by',
    () => {
      const body = row.querySelector('.msg-body');
      if (!body) return;
      let line = body.querySelector<HTMLElement>('.seen-by');
      if (!line) {
        line = h('div', { class: 'seen-by', attrs: { 'aria-live': 'polite' } });
        body.append(line);
      }
      const out = line;
      out.textContent = 'Seen by…';
      seenBy(m).then(
        (users) => {
          const others = users.filter((u) => u !== me);
          out.textContent = others.length ? `Seen by ${others.join(', ')}` : 'Not seen yet';
        },
        () => {
          out.textContent = 'Could not ask who has seen it';
        },
      );
    },
    'act-seen-by',
  );
}
