import { parseConv } from '@natter/protocol';
import type { Change, Chat } from '../chat.ts';
import { ConnectionBanner } from '../connection-banner.ts';
import { h } from '../dom.ts';
import { Invites } from '../invites.ts';
import { ConvDialogs } from './conv-dialogs.ts';
import { ConversationPane } from './conversation.ts';
import { DesktopAlerts } from './desktop-alerts.ts';
import { ImageViewer } from './dialogs.ts';
import { InvitesView } from './invites-view.ts';
import { MembersPanel } from './members.ts';
import { Sender } from './sending.ts';
import { type CredentialStore, Session } from './session.ts';
import { Sidebar } from './sidebar.ts';
import { ThreadPane } from './thread-pane.ts';
import { errorText, Toasts } from './toasts.ts';

export type { CredentialStore } from './session.ts';

/** The whole page: sign-in, then the chat shell (sidebar, conversation, members). */
export class App {
  private readonly session: Session;

  constructor(root: HTMLElement, urls: string[], creds: CredentialStore) {
    this.session = new Session(root, urls, creds, (chat, signOut) => new Shell(chat, signOut).el);
  }

  boot(): void {
    this.session.boot();
  }
}

/**
 * The signed-in layout: puts the parts together, routes between conversations (the URL
 * hash names the open one) and redraws the parts a Change touches.
 */
class Shell {
  readonly el: HTMLElement;
  private readonly viewer = new ImageViewer();
  private readonly toasts = new Toasts();
  private readonly sidebar: Sidebar;
  private readonly members: MembersPanel;
  private readonly sender: Sender;
  private readonly banner: ConnectionBanner;
  private readonly dialogs: ConvDialogs;
  private readonly pane: ConversationPane;
  private readonly invites: InvitesView;
  private readonly thread: ThreadPane;

  constructor(
    private readonly chat: Chat,
    signOut: () => void,
  ) {
    this.invites = new InvitesView(new Invites(chat), (id) => this.open(id), this.toasts);
    this.sidebar = new Sidebar(
      chat,
      {
        open: (id) => this.open(id),
        joinRoom: () => this.dialogs.join.showModal(),
        newDm: () => this.dialogs.dm.showModal(),
        signOut,
      },
      this.invites.section,
    );
    this.members = new MembersPanel(chat, (u) => this.open(chat.dm(u)));
    this.sender = new Sender(chat, this.toasts);
    this.banner = new ConnectionBanner(chat);
    this.dialogs = new ConvDialogs(chat, (id) => this.open(id), this.toasts);
    this.thread = new ThreadPane(chat, this.viewer, this.toasts, (open) =>
      this.el.classList.toggle('show-thread', open),
    );
    this.pane = new ConversationPane(chat, this.sender.composer, this.viewer, this.banner.el, this.toasts, {
      showSidebar: () => this.el.classList.add('show-sidebar'),
      toggleMembers: () => this.el.classList.toggle('show-members'),
      joinRoom: () => this.dialogs.join.showModal(),
      invite: () => this.dialogs.invite.showModal(),
      openThread: (conv, m) => void this.thread.show(conv, m),
      redraw: () => this.renderConv(),
    });
    this.el = h(
      'div',
      { class: 'shell show-sidebar' },
      this.sidebar.el,
      h('div', {
        class: 'scrim',
        on: { click: () => this.el.classList.remove('show-sidebar', 'show-members') },
      }),
      this.pane.el,
      this.members.el,
      this.thread.el,
      this.viewer.el,
      ...this.dialogs.all,
      this.invites.notices,
      this.toasts.el,
    );
    this.sender.acceptDrops(this.pane.el);
    this.sidebar.el.append(new DesktopAlerts(chat, (id) => this.open(id)).el);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) this.el.classList.remove('show-sidebar', 'show-members');
    });
    chat.subscribe((c) => this.onChange(c));
    window.addEventListener('hashchange', () => this.openFromHash());
    this.banner.render();
    this.renderConv();
    this.sidebar.render();
    this.openFromHash();
  }

  private openFromHash(): void {
    const id = decodeURIComponent(location.hash.slice(1));
    // A thread has no page of its own: it opens beside its conversation (thread-pane.ts).
    if (parseConv(id) !== undefined && !parseConv(id)?.thread && id !== this.chat.current) {
      this.open(id);
    }
  }

  private open(id: string): void {
    if (location.hash.slice(1) !== id) history.replaceState(null, '', `#${id}`);
    this.el.classList.remove('show-sidebar', 'show-members');
    this.thread.close(); // a thread belongs to the conversation it was opened from
    void this.chat.open(id).then(
      () => this.pane.fill(id),
      (err: unknown) => this.toasts.show(errorText(err)),
    );
    this.sender.composer.focus();
  }

  private onChange(c: Change): void {
    switch (c.what) {
      case 'list':
        this.sidebar.render();
        break;
      case 'conv':
        if (c.conv === this.chat.current) this.renderConv();
        break;
      case 'typing':
        if (c.conv === this.chat.current) this.pane.renderTyping();
        break;
      case 'presence':
        this.sidebar.render();
        this.members.render();
        this.pane.renderHeader();
        break;
      case 'members':
        // The header counts the same list the panel shows: both redraw when it changes.
        if (c.conv === this.chat.current) {
          this.members.render();
          this.pane.renderHeader();
        }
        break;
      case 'connection':
        this.banner.render();
        break;
    }
  }

  private renderConv(): void {
    this.pane.render();
    this.members.render();
  }
}
