import { NatterClientError } from '@natter/client';
import { type Change, Chat, type Credentials } from '../chat.ts';
import { ROOM_RE, USER_RE } from '../convs.ts';
import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import { isUploadable, uploadBlob } from '../upload.ts';
import { Composer } from './composer.ts';
import { field, formDialog, ImageViewer } from './dialogs.ts';
import { MembersPanel } from './members.ts';
import { MessageList } from './message-list.ts';
import { Sidebar } from './sidebar.ts';
import { signInView } from './signin.ts';

export interface CredentialStore {
  load(): Credentials | undefined;
  save(c: Credentials | undefined): void;
}

/** The whole page: sign-in, then the chat shell (sidebar, conversation, members). */
export class App {
  private chat: Chat | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly urls: string[],
    private readonly creds: CredentialStore,
  ) {}

  boot(): void {
    const saved = this.creds.load();
    if (saved?.user || saved?.token) void this.start(saved);
    else this.showSignIn();
  }

  private showSignIn(error?: string): void {
    this.root.replaceChildren(signInView((c) => void this.start(c), error));
  }

  private async start(creds: Credentials): Promise<void> {
    const chat = new Chat(this.urls, creds);
    this.chat = chat;
    const shell = new Shell(chat, () => this.signOut());
    this.root.replaceChildren(shell.el);
    try {
      await chat.start();
      this.creds.save(creds);
    } catch (err) {
      chat.stop();
      this.chat = undefined;
      const why =
        err instanceof NatterClientError && err.code === 'unauthenticated'
          ? creds.token
            ? 'That token was not accepted.'
            : 'This server needs an access token to sign in.'
          : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`;
      this.creds.save(undefined);
      this.showSignIn(why);
    }
  }

  private signOut(): void {
    this.chat?.stop();
    this.chat = undefined;
    this.creds.save(undefined);
    history.replaceState(null, '', location.pathname + location.search);
    this.showSignIn();
  }
}

/** The signed-in layout. Redraws the parts a Change touches. */
class Shell {
  readonly el: HTMLElement;
  private readonly sidebar: Sidebar;
  private readonly members: MembersPanel;
  private readonly composer: Composer;
  private readonly viewer = new ImageViewer();
  private readonly lists = new Map<string, MessageList>();
  private readonly pane: HTMLElement;
  private readonly title: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly headerActions: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly messagesSlot: HTMLElement;
  private readonly toasts: HTMLElement;
  private readonly dialogs: { join: HTMLDialogElement; dm: HTMLDialogElement; invite: HTMLDialogElement };
  private readonly publicRooms: HTMLElement;

  constructor(
    private readonly chat: Chat,
    signOut: () => void,
  ) {
    this.sidebar = new Sidebar(chat, {
      open: (id) => this.open(id),
      joinRoom: () => this.dialogs.join.showModal(),
      newDm: () => this.dialogs.dm.showModal(),
      signOut,
    });
    this.members = new MembersPanel(chat, (u) => this.open(chat.dm(u)));
    this.composer = new Composer({
      sendText: (text) => this.withConv((id) => chat.send(id, { text })),
      sendFiles: (files) => this.withConv((id) => void this.sendFiles(id, files)),
      sendVoice: (blob, ms) => this.withConv((id) => void this.sendVoice(id, blob, ms)),
      typing: () => this.withConv((id) => chat.typing(id)),
      notify: (m) => this.toast(m),
    });
    this.title = h('h1', { class: 'chat-title' });
    this.subtitle = h('span', { class: 'chat-subtitle' });
    this.headerActions = h('div', { class: 'chat-actions' });
    this.banner = h('div', { class: 'banner', attrs: { role: 'status', hidden: '' } });
    this.typingLine = h('div', { class: 'typing', attrs: { 'aria-live': 'polite' } });
    this.messagesSlot = h('div', { class: 'messages-slot' });
    this.toasts = h('div', { class: 'toasts', attrs: { 'aria-live': 'assertive' } });
    this.publicRooms = h('ul', { class: 'public-rooms', attrs: { 'aria-label': 'Public rooms' } });
    this.dialogs = this.makeDialogs();
    this.pane = h(
      'main',
      { class: 'chat' },
      h(
        'header',
        { class: 'chat-header' },
        iconButton(icon('menu'), 'Show conversations', () => this.el.classList.add('show-sidebar'), 'menu'),
        h('div', { class: 'chat-heading' }, this.title, this.subtitle),
        this.headerActions,
      ),
      this.banner,
      this.messagesSlot,
      this.typingLine,
      this.composer.el,
      h('div', { class: 'drop-overlay', attrs: { 'aria-hidden': 'true' } }, 'Drop images or audio to send'),
    );
    this.el = h(
      'div',
      { class: 'shell show-sidebar' },
      this.sidebar.el,
      h('div', {
        class: 'scrim',
        on: { click: () => this.el.classList.remove('show-sidebar', 'show-members') },
      }),
      this.pane,
      this.members.el,
      this.viewer.el,
      this.dialogs.join,
      this.dialogs.dm,
      this.dialogs.invite,
      this.toasts,
    );
    this.setupDrop();
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) this.el.classList.remove('show-sidebar', 'show-members');
    });
    chat.subscribe((c) => this.onChange(c));
    window.addEventListener('hashchange', () => this.openFromHash());
    this.renderConnection();
    this.renderConv();
    this.sidebar.render();
    this.openFromHash();
  }

  private withConv(fn: (id: string) => void): void {
    if (this.chat.current) fn(this.chat.current);
  }

  private openFromHash(): void {
    const id = decodeURIComponent(location.hash.slice(1));
    if (
      /^(room:[a-z0-9][a-z0-9_-]{0,63}|dm:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64})$/.test(id) &&
      id !== this.chat.current
    ) {
      this.open(id);
    }
  }

  private open(id: string): void {
    if (location.hash.slice(1) !== id) history.replaceState(null, '', `#${id}`);
    this.el.classList.remove('show-sidebar', 'show-members');
    void this.chat.open(id).then(
      () => this.lists.get(id)?.fill(),
      (err: unknown) => this.toast(errorText(err)),
    );
    this.composer.focus();
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
        if (c.conv === this.chat.current) this.renderTyping();
        break;
      case 'presence':
        this.sidebar.render();
        this.members.render();
        this.renderHeader();
        break;
      case 'members':
        if (c.conv === this.chat.current) this.members.render();
        break;
      case 'connection':
        this.renderConnection();
        break;
    }
  }

  private renderConv(): void {
    const id = this.chat.current;
    this.renderHeader();
    this.members.render();
    this.renderTyping();
    this.pane.classList.toggle('empty', !id);
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
              on: { click: () => this.dialogs.join.showModal() },
            },
            'Join a room',
          ),
        ),
      );
      return;
    }
    let list = this.lists.get(id);
    if (!list) {
      const conv = this.chat.conv(id);
      list = new MessageList(
        conv,
        {
          me: this.chat.me,
          onOpenImage: (src, alt) => this.viewer.show(src, alt),
          onRetry: (key) => this.chat.retry(id, key),
          onMediaLoad: () => this.lists.get(id)?.mediaLoaded(),
        },
        () => this.chat.loadOlder(id),
      );
      this.lists.set(id, list);
    }
    if (this.messagesSlot.firstElementChild !== list.el) this.messagesSlot.replaceChildren(list.el);
    list.sync();
  }

  private renderHeader(): void {
    const id = this.chat.current;
    const conv = id ? this.chat.convs.get(id) : undefined;
    if (!conv) {
      this.title.textContent = 'Natter';
      this.subtitle.textContent = '';
      this.headerActions.replaceChildren();
      return;
    }
    this.title.textContent =
      conv.kind === 'room' ? `${conv.private ? '🔒 ' : '# '}${conv.name}` : `@${conv.name}`;
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
    this.headerActions.replaceChildren(
      ...(conv.kind === 'room'
        ? [
            iconButton(icon('userPlus'), 'Invite someone', () => this.dialogs.invite.showModal(), 'invite'),
            iconButton(
              icon('users'),
              'Show members',
              () => this.el.classList.toggle('show-members'),
              'members-toggle',
            ),
            iconButton(icon('logOut'), 'Leave this room', () => void this.leave(conv.id), 'leave'),
          ]
        : []),
    );
  }

  private renderTyping(): void {
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

  private renderConnection(): void {
    const s = this.chat.state;
    const pending = this.chat.client.pending;
    let text = '';
    if (s === 'reconnecting') text = 'Connection lost. Reconnecting…';
    else if (s === 'connecting') text = 'Connecting…';
    else if (s === 'closed' && this.chat.ready) text = 'Disconnected.';
    if (text && pending > 0) text += ` ${pending} message${pending === 1 ? '' : 's'} will be sent when back.`;
    this.banner.textContent = text;
    this.banner.hidden = text === '';
    this.banner.dataset.state = s;
  }

  private async sendFiles(id: string, files: File[]): Promise<void> {
    for (const f of files) {
      if (!isUploadable(f.type)) {
        this.toast(`${f.name}: only PNG, JPEG, GIF, WebP images and WebM, Ogg, MP3, M4A audio can be sent`);
        continue;
      }
      const note = this.toast(`Uploading ${f.name}…`, 0);
      try {
        const att = await uploadBlob(f, { token: this.chat.client.token, name: f.name || 'image' });
        this.chat.send(id, { attachments: [att] });
      } catch (err) {
        this.toast(errorText(err));
      } finally {
        note.remove();
      }
    }
  }

  private async sendVoice(id: string, blob: Blob, durationMs: number): Promise<void> {
    const note = this.toast('Sending voice message…', 0);
    try {
      const ext = blob.type.includes('ogg') ? 'ogg' : blob.type.includes('mp4') ? 'm4a' : 'webm';
      const att = await uploadBlob(blob, {
        token: this.chat.client.token,
        name: `voice-message.${ext}`,
        duration: durationMs,
      });
      this.chat.send(id, { attachments: [att] });
    } catch (err) {
      this.toast(errorText(err));
    } finally {
      note.remove();
    }
  }

  private async leave(id: string): Promise<void> {
    if (!confirm(`Leave ${this.chat.conv(id).name}?`)) return;
    try {
      await this.chat.leave(id);
      this.lists.delete(id);
      history.replaceState(null, '', location.pathname + location.search);
      this.renderConv();
    } catch (err) {
      this.toast(errorText(err));
    }
  }

  private setupDrop(): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    this.pane.addEventListener('dragenter', (e) => {
      if (!hasFiles(e) || !this.chat.current) return;
      depth++;
      this.pane.classList.add('dragging');
    });
    this.pane.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) this.pane.classList.remove('dragging');
    });
    this.pane.addEventListener('dragover', (e) => {
      if (hasFiles(e)) e.preventDefault();
    });
    this.pane.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      this.pane.classList.remove('dragging');
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length && this.chat.current) void this.sendFiles(this.chat.current, files);
    });
  }

  private toast(message: string, ms = 5000): HTMLElement {
    const el = h('div', { class: 'toast', attrs: { role: 'status' } }, message);
    this.toasts.append(el);
    if (ms > 0) setTimeout(() => el.remove(), ms);
    return el;
  }

  private makeDialogs() {
    const roomName = h('input', {
      attrs: {
        name: 'room',
        required: '',
        pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
        placeholder: 'general',
        autocapitalize: 'none',
        spellcheck: 'false',
        autocomplete: 'off',
      },
    });
    const priv = h('input', { attrs: { type: 'checkbox', name: 'private' } });
    let search: ReturnType<typeof setTimeout> | undefined;
    const refreshPublic = () => {
      clearTimeout(search);
      search = setTimeout(async () => {
        const rooms = await this.chat.publicRooms(roomName.value.trim().toLowerCase()).catch(() => []);
        this.publicRooms.replaceChildren(
          ...rooms.map((r) =>
            h(
              'li',
              null,
              h(
                'button',
                {
                  class: 'public-room',
                  attrs: { type: 'button' },
                  on: {
                    click: async () => {
                      join.close();
                      try {
                        this.open(await this.chat.join(r.room));
                      } catch (err) {
                        this.toast(errorText(err));
                      }
                    },
                  },
                },
                `# ${r.room}`,
                h('small', null, `${r.members} member${r.members === 1 ? '' : 's'}`),
              ),
            ),
          ),
        );
      }, 150);
    };
    roomName.addEventListener('input', refreshPublic);
    const join = formDialog({
      title: 'Join or create a room',
      fields: [
        field(
          'Room name',
          roomName,
          'Lower-case letters, digits, - and _. A public room that does not exist is created.',
        ),
        h(
          'label',
          { class: 'check' },
          priv,
          h('span', null, 'Create a private room (members join by invitation)'),
        ),
      ],
      submit: 'Go',
      extra: h('div', { class: 'public-box' }, h('h3', null, 'Public rooms'), this.publicRooms),
      onSubmit: async () => {
        const room = roomName.value.trim().toLowerCase();
        if (!ROOM_RE.test(room))
          return 'Room names are 1-64 lower-case letters, digits, - or _, starting with a letter or digit.';
        try {
          const id = priv.checked ? await this.chat.create(room, true) : await this.chat.join(room);
          this.open(id);
          return undefined;
        } catch (err) {
          return errorText(err);
        }
      },
    });
    join.addEventListener('toggle', () => {
      if (join.open) refreshPublic();
    });
    const dmUser = h('input', {
      attrs: {
        name: 'user',
        required: '',
        placeholder: 'bob',
        autocapitalize: 'none',
        spellcheck: 'false',
        autocomplete: 'off',
      },
    });
    const dm = formDialog({
      title: 'New direct message',
      fields: [field('User name', dmUser)],
      submit: 'Open',
      onSubmit: async () => {
        const user = dmUser.value.trim();
        if (!USER_RE.test(user)) return 'User names are 1-64 letters, digits, dots, dashes or underscores.';
        this.open(this.chat.dm(user));
        return undefined;
      },
    });
    const inviteUser = h('input', {
      attrs: {
        name: 'user',
        required: '',
        placeholder: 'bob',
        autocapitalize: 'none',
        spellcheck: 'false',
        autocomplete: 'off',
      },
    });
    const invite = formDialog({
      title: 'Invite to this room',
      fields: [field('User name', inviteUser, 'They can then join, even if the room is private.')],
      submit: 'Invite',
      onSubmit: async () => {
        const user = inviteUser.value.trim();
        const id = this.chat.current;
        if (!id || !USER_RE.test(user))
          return 'User names are 1-64 letters, digits, dots, dashes or underscores.';
        try {
          await this.chat.invite(id, user);
          this.toast(`Invited ${user}.`);
          return undefined;
        } catch (err) {
          return errorText(err);
        }
      },
    });
    return { join, dm, invite };
  }
}

function errorText(err: unknown): string {
  if (err instanceof NatterClientError) {
    const what: Partial<Record<string, string>> = {
      forbidden: 'Not allowed',
      not_found: 'Not found',
      conflict: 'That name is taken',
      rate_limited: 'Slow down a little',
      unavailable: 'The server is busy; try again',
    };
    return `${what[err.code] ?? 'Failed'}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
