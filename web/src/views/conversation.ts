import type { Chat } from '../chat.ts';
import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import type { ChatMessage } from '../store.ts';
import type { Composer } from './composer.ts';
import type { ImageViewer } from './dialogs.ts';
import { MessageList } from './message-list.ts';
import { messageOps } from './message-ops.ts';
import { PinsPanel } from './pins-panel.ts';
import { errorText, type Toasts } from './toasts.ts';

export interface PaneActions {
  showSidebar(): void;
  toggleMembers(): void;
  joinRoom(): void;
  invite(): void;
  /** Opens the thread of message `m` of `conv` in the thread pane. */
  openThread(conv: string, m: ChatMessage): void;
  /** Redraws all that shows the open conversation (this pane and what is beside it). */
  redraw(): void;
}

/**
 * The open conversation: its header, the connection banner, its messages, who is typing
 * and the composer. Each conversation keeps its MessageList once shown, so switching
 * back does not reload or rebuild it.
 */
export class ConversationPane {
  readonly el: HTMLElement;
  private readonly lists = new Map<string, MessageList>();
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly headerActions: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly messagesSlot: HTMLElement;
  private readonly pins: PinsPanel;

  constructor(
    private readonly chat: Chat,
    private readonly composer: Composer,
    private readonly viewer: ImageViewer,
    banner: HTMLElement,
    private readonly toasts: Toasts,
    private readonly actions: PaneActions,
  ) {
    this.title = h('h1', { class: 'chat-title' });
    this.subtitle = h('span', { class: 'chat-subtitle' });
    this.headerActions = h('div', { class: 'chat-actions' });
    this.typingLine = h('div', { class: 'typing', attrs: { 'aria-live': 'polite' } });
    this.messagesSlot = h('div', { class: 'messages-slot' });
    this.pins = new PinsPanel(chat, toasts, (seq) => this.jumpTo(seq));
    this.el = h(
      'main',
      { class: 'chat' },
      h(
        'header',
        { class: 'chat-header' },
        iconButton(icon('menu'), 'Show conversations', () => actions.showSidebar(), 'menu'),
        h('div', { class: 'chat-heading' }, this.title, this.subtitle),
        this.headerActions,
      ),
      this.pins.el,
      banner,
      this.messagesSlot,
      this.typingLine,
      composer.el,
      h('div', { class: 'drop-overlay', attrs: { 'aria-hidden': 'true' } }, 'Drop images or audio to send'),
    );
  }

  /** Shows the open conversation (or, with none, a way to join one). */
  render(): void {
    const id = this.chat.current;
    this.renderHeader();
    this.renderTyping();
    this.el.classList.toggle('empty', !id);
    this.composer.setEnabled(!!id);
    if (!id) {
      this.messagesSlot.replaceChildren(
        h(
          'div',
          { class: 'placeholder' },
          h('p', null, 'Pick a conversation, or'),
          h(
            'button',
            {
              class: 'primary',
              attrs: { type: 'button' },
              on: { click: () => this.actions.joinRoom() },
            },
            'Join a room',
          ),
        ),
      );
      return;
    }
    const list = this.listFor(id);
    if (this.messagesSlot.firstElementChild !== list.el) this.messagesSlot.replaceChildren(list.el);
    list.sync();
  }

  /** After a conversation's first page: loads more while it does not fill the pane. */
  fill(id: string): Promise<void> | undefined {
    return this.lists.get(id)?.fill();
  }

  renderHeader(): void {
    const id = this.chat.current;
    const conv = id ? this.chat.convs.get(id) : undefined;
    if (!conv) {
      this.title.textContent = 'Natter';
      this.subtitle.textContent = '';
      this.headerActions.replaceChildren();
      return;
    }
    // The room's mark is an SVG (a lock or a #), so it looks the same with or without an emoji font.
    if (conv.kind === 'room') {
      const mark = h(
        'span',
        { class: 'title-mark', attrs: { role: 'img', 'aria-label': conv.private ? 'private room' : 'room' } },
        icon(conv.private ? 'lock' : 'hash', 18),
      );
      this.title.replaceChildren(mark, conv.name);
    } else this.title.textContent = `@${conv.name}`;
    if (conv.kind === 'dm') {
      const online = conv.name === this.chat.me || this.chat.presence.get(conv.name);
      this.subtitle.textContent = online ? 'online' : 'offline';
      this.subtitle.className = `chat-subtitle ${online ? 'online' : ''}`;
    } else {
      this.subtitle.textContent = conv.members
        ? `${conv.members.length} member${conv.members.length === 1 ? '' : 's'}`
        : '';
      this.subtitle.className = 'chat-subtitle';
    }
    this.pins.follow(conv.id);
    const pinsBtn = iconButton(
      icon('pin'),
      'Pinned messages',
      () => void this.pins.toggle(conv.id),
      'pins-toggle',
    );
    this.headerActions.replaceChildren(
      pinsBtn,
      ...(conv.kind === 'room'
        ? [
            iconButton(icon('userPlus'), 'Invite someone', () => this.actions.invite(), 'invite'),
            iconButton(icon('users'), 'Show members', () => this.actions.toggleMembers(), 'members-toggle'),
            iconButton(icon('logOut'), 'Leave this room', () => void this.leave(conv.id), 'leave'),
          ]
        : []),
    );
  }

  renderTyping(): void {
    const id = this.chat.current;
    const users = id ? (this.chat.convs.get(id)?.typingUsers() ?? []) : [];
    this.typingLine.textContent =
      users.length === 0
        ? ''
        : users.length === 1
          ? `${users[0]} is typing…`
          : users.length === 2
            ? `${users[0]} and ${users[1]} are typing…`
            : 'Several people are typing…';
  }

  private listFor(id: string): MessageList {
    let list = this.lists.get(id);
    if (!list) {
      list = new MessageList(
        this.chat.conv(id),
        {
          me: this.chat.me,
          actions: messageOps(this.chat, id, this.toasts, {
            reply: (m) => this.composer.setReply(m),
            jumpTo: (seq) => this.jumpTo(seq),
            openThread: (m) => this.actions.openThread(id, m),
          }),
          onOpenImage: (src, alt) => this.viewer.show(src, alt),
          onRetry: (key) => this.chat.outgoing.retry(id, key),
          onMediaLoad: () => this.lists.get(id)?.mediaLoaded(),
        },
        () => this.chat.loadOlder(id),
      );
      this.lists.set(id, list);
    }
    return list;
  }

  /** Scrolls to a loaded message and flashes it. */
  private jumpTo(seq: number): void {
    const item = this.messagesSlot.querySelector(`.item[data-seq="${seq}"]`);
    if (!item) return;
    item.scrollIntoView({ block: 'center' });
    item.classList.remove('flash');
    void (item as HTMLElement).offsetWidth;
    item.classList.add('flash');
  }

  private async leave(id: string): Promise<void> {
    if (!confirm(`Leave ${this.chat.conv(id).name}?`)) return;
    try {
      await this.chat.leave(id);
      this.lists.delete(id);
      history.replaceState(null, '', location.pathname + location.search);
      this.actions.redraw();
    } catch (err) {
      this.toasts.show(errorText(err));
    }
  }
}
