import { h } from '../dom.ts';
import { icon } from '../icons.ts';
import type { ChatMessage } from '../store.ts';

/** A thread root's line: how many replies and who wrote them; clicking it opens the thread. */
export function threadSummary(m: ChatMessage, open: () => void): HTMLElement | undefined {
  const t = m.thread;
  if (!t || t.replies === 0) return undefined;
  const count = `${t.replies} ${t.replies === 1 ? 'reply' : 'replies'}`;
  return h(
    'button',
    {
      class: 'thread-summary',
      attrs: { type: 'button', 'aria-label': `Open thread: ${count} from ${t.users.join(', ')}` },
      on: { click: open },
    },
    icon('thread', 14),
    h('span', { class: 'thread-count' }, count),
    h('span', { class: 'thread-users' }, t.users.join(', ')),
  );
}
