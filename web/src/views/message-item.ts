import { type Attachment, isUploadPath } from '@natter/client';
import { h } from '../dom.ts';
import { icon } from '../icons.ts';
import { safeHref } from '../linkify.ts';
import type { Tick } from '../receipts.ts';
import type { ChatMessage } from '../store.ts';
import { durationLabel, fullLabel, timeLabel } from '../time.ts';
import { actionsBar, longPressOpens, type MessageActions } from './message-actions.ts';
import { reactionChips, renderMessageText, replyQuote } from './message-content.ts';
import { tickMark } from './receipts-view.ts';
import { threadSummary } from './thread-summary.ts';

export interface ItemContext {
  me: string;
  actions: MessageActions;
  onOpenImage(src: string, alt: string): void;
  onRetry(key: string): void;
  /** An image finished loading (the list keeps its scroll position pinned). */
  onMediaLoad(): void;
}

function initial(user: string): string {
  return (user.match(/[A-Za-z0-9]/)?.[0] ?? '?').toUpperCase();
}

/** A stable hue per user, so the same person has the same colour everywhere. */
export function hueOf(user: string): number {
  let h = 0;
  for (const ch of user) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

export function avatar(user: string, cls = 'avatar'): HTMLElement {
  const el = h('div', { class: cls, attrs: { 'aria-hidden': 'true' } }, initial(user));
  el.style.setProperty('--hue', String(hueOf(user)));
  return el;
}

type MediaKind = 'image' | 'audio';

/** An image (a button that opens the viewer) or a voice message, loading from `src`. */
function media(kind: MediaKind, a: Attachment, src: string, ctx: ItemContext): HTMLElement {
  if (kind === 'image') {
    const img = h('img', {
      class: 'att-image',
      attrs: {
        src,
        alt: a.name || 'image',
        loading: 'lazy',
        decoding: 'async',
        width: a.width ? String(a.width) : undefined,
        height: a.height ? String(a.height) : undefined,
        referrerpolicy: 'no-referrer',
      },
      on: { load: () => ctx.onMediaLoad() },
    });
    return h(
      'button',
      {
        class: 'att att-image-btn',
        attrs: { type: 'button', 'aria-label': `Open image ${a.name || ''}`.trim() },
        on: { click: () => ctx.onOpenImage(src, a.name || 'image') },
      },
      img,
    );
  }
  return h(
    'div',
    { class: 'att att-audio' },
    h('span', { class: 'att-audio-icon', attrs: { 'aria-hidden': 'true' } }, icon('mic', 18)),
    h('audio', { attrs: { src, controls: '', preload: 'metadata', 'aria-label': 'Voice message' } }),
    a.duration ? h('span', { class: 'att-duration' }, durationLabel(a.duration)) : null,
  );
}

/**
 * A remote image or voice message, as a button that loads it. Loading it would tell its
 * host, whom the sender chose, that this reader has the conversation open and from where,
 * so that happens only when the reader asks for it.
 */
function remoteMedia(kind: MediaKind, a: Attachment, src: string, ctx: ItemContext): HTMLElement {
  const what = kind === 'image' ? 'Image' : 'Voice message';
  const placeholder = h(
    'button',
    {
      class: 'att att-remote',
      attrs: { type: 'button', title: src },
      on: {
        click: () => {
          const el = media(kind, a, src, ctx);
          placeholder.replaceWith(el);
          // Keyboard focus stays on the attachment, now the real one.
          (el.querySelector('audio') ?? el).focus();
        },
      },
    },
    `${what} from ${new URL(src).host} — click to load`,
  );
  return placeholder;
}

function renderAttachment(a: Attachment, ctx: ItemContext): HTMLElement {
  const type = a.type.toLowerCase();
  const kind: MediaKind | undefined = type.startsWith('image/')
    ? 'image'
    : type.startsWith('audio/')
      ? 'audio'
      : undefined;
  // An upload on this origin, or an https URL elsewhere; any other URL is never used.
  const local = isUploadPath(a.url);
  const remote = !local && a.url.startsWith('https://') ? safeHref(a.url) : undefined;
  if (kind && local) return media(kind, a, a.url, ctx);
  if (kind && remote) return remoteMedia(kind, a, remote, ctx);
  const href = local ? a.url : remote;
  return h(
    'div',
    { class: 'att att-file' },
    href
      ? h(
          'a',
          { attrs: { href, target: '_blank', rel: 'noopener noreferrer nofollow' } },
          a.name || 'attachment',
        )
      : h('span', null, a.name || 'attachment'),
  );
}

/**
 * One message row: built once, `update`d in place when its status or state changes. Its
 * attachments are built once too (a playing voice message keeps playing through an edit
 * or a reaction); the parts a change touches (text, reply, reactions, marks) are redrawn.
 */
export class MessageItem {
  readonly el: HTMLElement;
  private readonly daySep: HTMLElement;
  private readonly row: HTMLElement;
  private readonly time: HTMLTimeElement;
  private readonly marks: HTMLElement;
  private readonly quote: HTMLElement;
  private readonly text: HTMLElement;
  private readonly atts: HTMLElement | null;
  private readonly reactions: HTMLElement;
  private readonly threadSlot: HTMLElement;
  private readonly tickSlot: HTMLElement;
  private tick: Tick = 'sent';
  private readonly actionsSlot: HTMLElement;
  private readonly status: HTMLElement;
  /** The state last drawn: its ver and status (a pending message has no ver yet). */
  private drawn = '';
  message: ChatMessage;

  constructor(
    m: ChatMessage,
    private readonly ctx: ItemContext,
  ) {
    this.message = m;
    this.daySep = h('div', { class: 'day-sep', attrs: { role: 'separator' } }, h('span'));
    this.time = h('time', { class: 'time' });
    this.marks = h('span', { class: 'marks' });
    this.status = h('div', { class: 'status', attrs: { 'aria-live': 'polite' } });
    this.quote = h('div', { class: 'quote-slot' });
    this.text = h('div', { class: 'text' });
    this.reactions = h('div', { class: 'reactions-slot' });
    this.threadSlot = h('div', { class: 'thread-slot' });
    this.tickSlot = h('span', { class: 'tick-slot' });
    this.actionsSlot = h('div', { class: 'actions-slot' });
    this.atts = m.attachments?.length
      ? h('div', { class: 'atts' }, ...m.attachments.map((a) => renderAttachment(a, ctx)))
      : null;
    this.row = h(
      'div',
      { class: 'msg' },
      avatar(m.from),
      h(
        'div',
        { class: 'msg-body' },
        h('div', { class: 'meta' }, h('span', { class: 'from' }, m.from), this.time, this.tickSlot),
        this.quote,
        this.text,
        this.marks,
        this.atts,
        this.reactions,
        this.threadSlot,
        this.status,
      ),
      this.actionsSlot,
    );
    longPressOpens(this.row);
    this.status.addEventListener('click', () => {
      if (this.message.status === 'failed') ctx.onRetry(this.message.key);
    });
    // A failed send's status is a control: reachable and usable by keyboard too.
    this.status.addEventListener('keydown', (e) => {
      if (this.message.status !== 'failed' || (e.key !== 'Enter' && e.key !== ' ')) return;
      e.preventDefault();
      ctx.onRetry(this.message.key);
    });
    this.el = h('div', { class: 'item' }, this.daySep, this.row);
    this.update(m, ctx.me);
  }

  update(m: ChatMessage, me: string): void {
    this.message = m;
    const d = new Date(m.ts);
    this.time.textContent = timeLabel(d);
    this.time.dateTime = m.ts;
    this.time.title = fullLabel(d);
    this.row.classList.toggle('mine', m.from === me);
    this.row.classList.toggle('pending', m.status === 'pending');
    this.row.classList.toggle('failed', m.status === 'failed');
    if (m.seq !== undefined) this.el.dataset.seq = String(m.seq);
    // A deleted message empties the previews of replies to it without a ver of its own.
    const state = `${m.ver ?? ''}/${m.status}/${m.text ?? ''}/${m.reply?.preview ?? ''}/${m.mentions?.join() ?? ''}/${m.thread?.replies ?? ''}/${m.thread?.users.join() ?? ''}`;
    if (state !== this.drawn) this.drawState(m, me);
    this.drawn = state;
    this.setStatus(
      m.status === 'pending' ? 'sending…' : m.status === 'failed' ? 'not sent — tap to retry' : '',
    );
  }

  /** The parts a lifecycle change touches: reply quote, text or tombstone, marks, reactions, actions. */
  private drawState(m: ChatMessage, me: string): void {
    const { actions } = this.ctx;
    const deleted = m.deleted !== undefined;
    this.row.classList.toggle('deleted', deleted);
    this.row.classList.toggle('pinned', !!m.pinned);
    this.row.classList.toggle('mentions-me', !deleted && !!m.mentions?.includes(me) && m.from !== me);
    this.quote.replaceChildren(deleted ? '' : (replyQuote(m, (seq) => actions.jumpTo(seq)) ?? ''));
    if (deleted) this.text.replaceChildren(h('em', null, 'message deleted'));
    else this.text.replaceChildren(m.text ? renderMessageText(m.text, m.mentions, me) : '');
    this.text.hidden = !deleted && !m.text;
    if (this.atts) this.atts.hidden = deleted;
    this.marks.replaceChildren(
      m.edited && !deleted
        ? h('span', { class: 'edited', attrs: { title: fullLabel(new Date(m.edited)) } }, 'edited')
        : '',
      m.pinned && !deleted
        ? h(
            'span',
            {
              class: 'pin-mark',
              attrs: { title: `Pinned by ${m.pinned.by}`, role: 'img', 'aria-label': 'pinned' },
            },
            icon('pin', 14),
          )
        : '',
    );
    this.reactions.replaceChildren(deleted ? '' : (reactionChips(m, me, (e) => actions.react(m, e)) ?? ''));
    const open = actions.openThread;
    this.threadSlot.replaceChildren((open && threadSummary(m, () => open(m))) || '');
    const live = m.status === 'stored' && m.seq !== undefined && !deleted;
    this.actionsSlot.replaceChildren(live ? actionsBar(this.row, m, me, actions) : '');
  }

  /** DMs: one tick once the other user has my message, two once they have read it. */
  setTick(tick: Tick): void {
    if (tick === this.tick) return;
    this.tick = tick;
    this.tickSlot.replaceChildren(tickMark(tick));
  }

  setStatus(text: string): void {
    if (this.status.textContent !== text) this.status.textContent = text;
    const failed = this.message.status === 'failed';
    this.status.classList.toggle('retry', failed);
    if (failed) {
      this.status.setAttribute('role', 'button');
      this.status.tabIndex = 0;
    } else if (this.status.hasAttribute('role')) {
      this.status.removeAttribute('role');
      this.status.removeAttribute('tabindex');
    }
  }

  /** `label` shows a day separator above this message; `compact` hides the sender line. */
  setLayout(label: string | undefined, compact: boolean): void {
    this.daySep.hidden = label === undefined;
    const span = this.daySep.firstElementChild as HTMLElement;
    if (label !== undefined && span.textContent !== label) span.textContent = label;
    this.row.classList.toggle('compact', compact);
  }
}
