import type { Chat } from '../chat.ts';
import { h } from '../dom.ts';
import { avatar } from './message-item.ts';

/** Who is in the room, online first, each with a presence dot. */
export class MembersPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly title: HTMLElement;

  constructor(
    private readonly chat: Chat,
    private readonly onDm: (user: string) => void,
  ) {
    this.title = h('h2');
    this.list = h('ul', { class: 'member-list' });
    this.el = h('aside', { class: 'members', attrs: { 'aria-label': 'Members' } }, this.title, this.list);
  }

  render(): void {
    const conv = this.chat.current ? this.chat.convs.get(this.chat.current) : undefined;
    const members = conv?.kind === 'room' ? (conv.members ?? []) : conv ? [conv.name] : [];
    const online = (u: string) => (u === this.chat.me ? true : (this.chat.presence.get(u) ?? false));
    const sorted = [...members].sort((a, b) => Number(online(b)) - Number(online(a)) || a.localeCompare(b));
    this.title.textContent = conv?.kind === 'room' ? `Members · ${members.length}` : 'Profile';
    this.list.replaceChildren(
      ...sorted.map((u) =>
        h(
          'li',
          null,
          h(
            'button',
            {
              class: 'member',
              attrs: {
                type: 'button',
                'data-user': u,
                'aria-label': `${u}, ${online(u) ? 'online' : 'offline'}${u === this.chat.me ? ' (you)' : ''}`,
              },
              on: { click: () => u !== this.chat.me && this.onDm(u) },
            },
            h(
              'span',
              { class: 'avatar-wrap' },
              avatar(u, 'avatar small'),
              h('span', { class: `dot ${online(u) ? 'online' : ''}` }),
            ),
            h('span', { class: 'member-name' }, u),
            u === this.chat.me ? h('small', null, 'you') : null,
          ),
        ),
      ),
    );
  }
}
