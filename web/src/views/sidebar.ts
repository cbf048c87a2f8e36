import type { Chat } from '../chat.ts';
import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import type { Conv } from '../store.ts';
import { avatar } from './message-item.ts';

export interface SidebarActions {
  open(conv: string): void;
  joinRoom(): void;
  newDm(): void;
  signOut(): void;
}

/** Rooms and direct messages with unread counts, and who I am. */
export class Sidebar {
  readonly el: HTMLElement;
  private readonly rooms: HTMLElement;
  private readonly dms: HTMLElement;
  private readonly meName: HTMLElement;

  /** `invitations`: the section listing the invitations, shown above the rooms. */
  constructor(
    private readonly chat: Chat,
    private readonly actions: SidebarActions,
    invitations: HTMLElement,
  ) {
    this.rooms = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Rooms' } });
    this.dms = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Direct messages' } });
    this.meName = h('span', { class: 'me-name' });
    this.el = h(
      'nav',
      { class: 'sidebar', attrs: { 'aria-label': 'Conversations' } },
      h(
        'div',
        { class: 'sidebar-head' },
        h('span', { class: 'brand' }, 'Natter'),
        iconButton(icon('logOut'), 'Sign out', () => actions.signOut(), 'sign-out'),
      ),
      h('div', { class: 'me' }, this.meName),
      invitations,
      h(
        'div',
        { class: 'section-head' },
        h('h2', null, 'Rooms'),
        iconButton(icon('plus'), 'Join or create a room', () => actions.joinRoom(), 'add-room'),
      ),
      this.rooms,
      h(
        'div',
        { class: 'section-head' },
        h('h2', null, 'Direct messages'),
        iconButton(icon('plus'), 'New direct message', () => actions.newDm(), 'add-dm'),
      ),
      this.dms,
    );
  }

  render(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.conv;
    this.meName.replaceChildren(avatar(this.chat.me, 'avatar small'), this.chat.me);
    const rooms = this.chat.list('room');
    const dms = this.chat.list('dm');
    this.rooms.replaceChildren(
      ...(rooms.length ? rooms.map((c) => this.item(c)) : [h('li', { class: 'empty' }, 'No rooms yet')]),
    );
    this.dms.replaceChildren(
      ...(dms.length ? dms.map((c) => this.item(c)) : [h('li', { class: 'empty' }, 'No conversations yet')]),
    );
    if (focused)
      (this.el.querySelector(`[data-conv="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
    const total = this.chat.totalUnread();
    document.title = total > 0 ? `(${total}) Natter` : 'Natter';
  }

  private item(c: Conv): HTMLElement {
    const unread = c.id === this.chat.current ? 0 : c.unread();
    const mentions = c.id === this.chat.current ? 0 : c.unreadMentions();
    const online = this.chat.presence.get(c.name);
    const lead =
      c.kind === 'room'
        ? h(
            'span',
            { class: 'conv-icon', attrs: { 'aria-hidden': 'true' } },
            icon(c.private ? 'lock' : 'hash', 15),
          )
        : h('span', {
            class: `dot ${online ? 'online' : ''}`,
            attrs: { 'aria-label': online ? 'online' : 'offline', role: 'img' },
          });
    const btn = h(
      'button',
      {
        class: `conv-item ${c.id === this.chat.current ? 'active' : ''} ${unread ? 'has-unread' : ''}`,
        attrs: {
          type: 'button',
          'data-conv': c.id,
          'aria-current': c.id === this.chat.current ? 'page' : undefined,
          'aria-label': `${c.kind === 'room' ? 'Room' : 'Direct message with'} ${c.name}${unread ? `, ${unread} unread` : ''}${mentions ? `, ${mentions} mentioning you` : ''}`,
        },
        on: { click: () => this.actions.open(c.id) },
      },
      lead,
      h('span', { class: 'conv-name' }, c.name),
      mentions
        ? h(
            'span',
            {
              class: 'badge mention-badge',
              attrs: { title: `${mentions} mention${mentions === 1 ? '' : 's'}` },
            },
            `@${mentions > 9 ? '9+' : mentions}`,
          )
        : null,
      unread
        ? h(
            'span',
            { class: 'badge', attrs: { 'aria-hidden': 'true' } },
            unread > 99 ? '99+' : String(unread),
          )
        : null,
    );
    return h('li', null, btn);
  }
}
