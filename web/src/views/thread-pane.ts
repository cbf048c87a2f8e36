import { type ThreadConv, threadOf } from '@natter/client';
import type { Change, Chat } from '../chat.ts';
import { h, iconButton } from '../dom.ts';
import { icon } from '../icons.ts';
import { type ChatMessage, fromView } from '../store.ts';
import type { ImageViewer } from './dialogs.ts';
import { type ItemContext, MessageItem } from './message-item.ts';
import { MessageList } from './message-list.ts';
import { messageOps } from './message-ops.ts';
import { Sender } from './sending.ts';
import { errorText, type Toasts } from './toasts.ts';

const PAGE = 50;

interface OpenThread {
  parent: string;
  seq: number;
  id: ThreadConv;
  root: MessageItem;
  list: MessageList;
}

/**
 * The side pane of one thread: its root (with the reply count and who replied, kept live
 * from the root's summary), the thread's messages (history, then live ones: the Chat puts
 * them in the thread's own Conv like any conversation's) and a composer that sends into
 * the thread. Esc or the close button closes it.
 */
export class ThreadPane {
  /** Where the pane goes; it holds the pane only while a thread is open (one composer in the page otherwise). */
  readonly el: HTMLElement;
  private readonly pane: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly rootSlot: HTMLElement;
  private readonly listSlot: HTMLElement;
  private readonly sender: Sender;
  private current: OpenThread | undefined;

  constructor(
    private readonly chat: Chat,
    private readonly viewer: ImageViewer,
    private readonly toasts: Toasts,
    /** Told when the pane opens or closes: the shell makes room for it beside the conversation. */
    private readonly onShown: (open: boolean) => void = () => undefined,
  ) {
    this.sender = new Sender(chat, toasts, () => this.current?.id);
    this.sender.composer.input.setAttribute('aria-label', 'Reply in thread');
    this.sender.composer.input.placeholder = 'Reply in thread…';
    this.summary = h('span', { class: 'thread-root-summary', attrs: { 'aria-live': 'polite' } });
    this.rootSlot = h('div', { class: 'thread-root' });
    this.listSlot = h('div', { class: 'thread-list' });
    this.el = h('div', { class: 'thread-host' });
    this.pane = h(
      'aside',
      { class: 'thread-pane', attrs: { 'aria-label': 'Thread' } },
      h(
        'header',
        { class: 'thread-header' },
        h('h2', null, 'Thread'),
        this.summary,
        iconButton(icon('close', 18), 'Close thread', () => this.close(), 'thread-close'),
      ),
      this.rootSlot,
      this.listSlot,
      this.sender.composer.el,
    );
    this.pane.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault(); // the shell's Esc (close drawers) is not for this one
      this.close();
    });
    chat.subscribe((c) => this.onChange(c));
    // Too much changed while away: the Chat has emptied the thread's messages; read them again.
    chat.client.on('refetch', ({ conv }) => {
      const t = this.current;
      if (t?.id === conv) void this.load(t.parent, t.seq);
    });
  }

  /** Opens the thread of root message `m` of conversation `parent`, loading its newest page once. */
  async show(parent: string, m: ChatMessage): Promise<void> {
    if (m.seq === undefined) return;
    const id = threadOf(parent, m.seq);
    if (this.current?.id !== id) this.current = this.build(parent, m, id);
    this.chat.thread = id;
    if (!this.pane.isConnected) {
      this.el.append(this.pane);
      this.onShown(true);
    }
    this.render();
    this.sender.composer.focus();
    await this.load(parent, m.seq);
  }

  /** The thread's newest page, once (again after a `refetch` emptied it). */
  private async load(parent: string, seq: number): Promise<void> {
    const id = threadOf(parent, seq);
    const c = this.chat.conv(id);
    if (c.loaded || c.loading) return;
    c.loading = true;
    try {
      const page = await this.chat.client.openThread(parent, seq, { limit: PAGE });
      for (const r of page.messages) c.put(fromView(r));
      c.more = page.more;
      c.loaded = true;
    } catch (err) {
      this.toasts.show(errorText(err));
    } finally {
      c.loading = false;
    }
    if (this.current?.id === id) {
      this.render();
      void this.current.list.fill();
      this.chat.markRead(id);
    }
  }

  close(): void {
    if (this.pane.isConnected) this.onShown(false);
    this.pane.remove();
    this.current = undefined;
    this.chat.thread = undefined;
    this.rootSlot.replaceChildren();
    this.listSlot.replaceChildren();
  }

  private build(parent: string, m: ChatMessage, id: ThreadConv): OpenThread {
    const base = {
      onOpenImage: (src: string, alt: string) => this.viewer.show(src, alt),
      onRetry: (key: string) => this.chat.outgoing.retry(id, key),
      onMediaLoad: () => this.current?.list.mediaLoaded(),
    };
    const jumpTo = () => undefined;
    // The root keeps its own conversation's actions; replies in the thread quote thread messages only.
    const rootCtx: ItemContext = {
      ...base,
      me: this.chat.me,
      actions: messageOps(this.chat, parent, this.toasts, {
        reply: () => this.sender.composer.focus(),
        jumpTo,
      }),
    };
    const ctx: ItemContext = {
      ...base,
      me: this.chat.me,
      actions: messageOps(this.chat, id, this.toasts, {
        reply: (r) => this.sender.composer.setReply(r),
        jumpTo,
      }),
    };
    const root = new MessageItem(m, rootCtx);
    root.setLayout(undefined, false);
    const list = new MessageList(this.chat.conv(id), ctx, () => this.chat.loadOlder(id));
    this.rootSlot.replaceChildren(root.el);
    this.listSlot.replaceChildren(list.el);
    return { parent, seq: m.seq!, id, root, list };
  }

  private onChange(c: Change): void {
    const t = this.current;
    if (!t || c.what !== 'conv') return;
    if (c.conv === t.id) t.list.sync();
    else if (c.conv === t.parent) this.render();
  }

  /** The root as its conversation has it now (its summary moves with each reply), and the replies. */
  private render(): void {
    const t = this.current;
    if (!t) return;
    const root = this.chat.convs.get(t.parent)?.bySeq(t.seq);
    if (root && root !== t.root.message) t.root.update(root, this.chat.me);
    const s = (root ?? t.root.message).thread;
    const n = s?.replies ?? 0;
    this.summary.textContent = `${n} ${n === 1 ? 'reply' : 'replies'}${s?.users.length ? ` · ${s.users.join(', ')}` : ''}`;
    t.list.sync();
  }
}
