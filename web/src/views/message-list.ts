import { h } from '../dom.ts';
import { tickOf } from '../receipts.ts';
import type { Conv } from '../store.ts';
import { dayKey, dayLabel } from '../time.ts';
import { type ItemContext, MessageItem } from './message-item.ts';

/** Messages closer than this, from one sender, share one header. */
const GROUP_MS = 5 * 60 * 1000;
/** Within this many px of the bottom counts as "at the bottom": new messages keep it there. */
const STICK_PX = 80;

/**
 * The message pane of one conversation. Message rows are kept by key and moved, never
 * rebuilt, so images stay loaded and a playing voice message keeps playing while
 * messages arrive. Scrolling near the top asks for older history.
 */
export class MessageList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly top: HTMLElement;
  private readonly items = new Map<string, MessageItem>();
  /** Keep the newest message in view: true until the reader scrolls up, again once back at the bottom. */
  private stick = true;
  private lastTop = 0;

  constructor(
    private readonly conv: Conv,
    private readonly ctx: ItemContext,
    private readonly loadOlder: () => Promise<boolean>,
  ) {
    this.top = h('div', { class: 'history-top' });
    this.list = h('div', {
      class: 'list',
      attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' },
    });
    this.el = h(
      'div',
      { class: 'messages', attrs: { tabindex: '0', 'aria-label': 'Messages' } },
      this.top,
      this.list,
    );
    this.el.addEventListener('scroll', () => this.onScroll(), { passive: true });
    // Rows grow after they are laid out (images and audio load, fonts arrive): stay pinned.
    // So does the pane itself shrinking (a phone's keyboard opening).
    const pin = new ResizeObserver(() => {
      if (this.stick) this.scrollToBottom();
    });
    pin.observe(this.list);
    pin.observe(this.el);
  }

  /** Brings the DOM in line with the conversation's messages. */
  sync(): void {
    const before = { height: this.el.scrollHeight, top: this.el.scrollTop };
    const wasAtBottom = this.stick;
    const messages = this.conv.sorted();
    const keep = new Set(messages.map((m) => m.key));
    for (const [key, item] of this.items) {
      if (!keep.has(key)) {
        item.el.remove();
        this.items.delete(key);
      }
    }
    let cursor = this.list.firstElementChild;
    let prependedAbove = false;
    for (const m of messages) {
      let item = this.items.get(m.key);
      if (!item) {
        item = new MessageItem(m, this.ctx);
        this.items.set(m.key, item);
        if (cursor === this.list.firstElementChild && cursor !== null) prependedAbove = true;
      } else if (item.message !== m) {
        item.update(m, this.ctx.me);
      }
      if (item.el !== cursor) this.list.insertBefore(item.el, cursor);
      else cursor = cursor.nextElementSibling;
    }
    this.layout(messages.map((m) => this.items.get(m.key)!));
    this.top.textContent = this.conv.loading
      ? 'Loading…'
      : this.conv.loaded && !this.conv.more
        ? this.conv.messages.size === 0
          ? 'No messages yet. Say hello!'
          : 'This is the beginning of the conversation.'
        : '';
    if (wasAtBottom) this.scrollToBottom();
    else if (prependedAbove) this.el.scrollTop = before.top + (this.el.scrollHeight - before.height);
  }

  /** Day separators, grouping, the DM ticks and "seen" on my newest message the peer has read. */
  private layout(items: MessageItem[]): void {
    let prev: MessageItem | undefined;
    const now = new Date();
    let seenKey: string | undefined;
    if (this.conv.kind === 'dm' && this.conv.peerRead > 0) {
      for (const it of items) {
        const m = it.message;
        if (m.from === this.ctx.me && m.seq !== undefined && m.seq <= this.conv.peerRead) seenKey = m.key;
      }
    }
    for (const it of items) {
      const m = it.message;
      const d = new Date(m.ts);
      const p = prev?.message;
      const newDay = !p || dayKey(new Date(p.ts)) !== dayKey(d);
      const compact =
        !newDay && !!p && p.from === m.from && d.getTime() - new Date(p.ts).getTime() < GROUP_MS;
      it.setLayout(newDay ? dayLabel(d, now) : undefined, compact);
      if (m.status === 'stored') it.setStatus(m.key === seenKey ? 'seen' : '');
      if (this.conv.kind === 'dm' && m.from === this.ctx.me && m.seq !== undefined)
        it.setTick(tickOf(m.seq, this.conv.peerReceived, this.conv.peerRead));
      prev = it;
    }
  }

  scrollToBottom(): void {
    this.el.scrollTop = this.el.scrollHeight;
    this.lastTop = this.el.scrollTop;
    this.stick = true;
  }

  /** An image loaded and grew its row: stay at the bottom if we were there. */
  mediaLoaded(): void {
    if (this.stick) this.scrollToBottom();
  }

  private onScroll(): void {
    const el = this.el;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    // Only the reader scrolling up unpins; content growing under a pinned view does not
    // (its scroll event can arrive after the growth and look like "not at the bottom").
    if (atBottom) this.stick = true;
    else if (el.scrollTop < this.lastTop - 1) this.stick = false;
    this.lastTop = el.scrollTop;
    if (el.scrollTop < 200 && this.conv.more && this.conv.loaded && !this.conv.loading) {
      void this.loadOlder().then(() => this.sync());
    }
  }

  /** After the first page: if it does not fill the pane, there is no scrollbar to scroll; load more now. */
  async fill(): Promise<void> {
    for (let i = 0; i < 5 && this.conv.more && this.el.scrollHeight <= this.el.clientHeight + 10; i++) {
      if (!(await this.loadOlder())) break;
      this.sync();
    }
  }
}
