import type { MessageView } from '@natter/client';
import type { Chat } from '../chat.ts';
import { h } from '../dom.ts';
import { fullLabel } from '../time.ts';
import { errorText, type Toasts } from './toasts.ts';

/**
 * The pinned messages of the open conversation, under the header: read from the server
 * (`pins`) when opened, kept current from the SDK's store while open (a pin or unpin by
 * anyone shows at once). A click jumps to the message when it is loaded.
 */
export class PinsPanel {
  readonly el: HTMLElement;
  private conv: string | undefined;
  private pins: MessageView[] = [];

  constructor(
    private readonly chat: Chat,
    private readonly toasts: Toasts,
    private readonly jumpTo: (seq: number) => void,
  ) {
    this.el = h('section', { class: 'pins-panel', attrs: { 'aria-label': 'Pinned messages', hidden: '' } });
    chat.client.store.on('update', ({ conv, seq, message }) => {
      if (conv !== this.conv || this.el.hidden) return;
      const rest = this.pins.filter((p) => p.seq !== seq);
      this.pins = message.pinned && !message.deleted ? [message, ...rest] : rest;
      this.draw();
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  async toggle(conv: string): Promise<void> {
    if (this.open && this.conv === conv) {
      this.close();
      return;
    }
    this.conv = conv;
    this.el.hidden = false;
    this.el.replaceChildren(h('p', { class: 'pins-empty' }, 'Loading…'));
    try {
      this.pins = await this.chat.client.pins(conv);
    } catch (err) {
      this.toasts.show(errorText(err));
      this.pins = [];
    }
    this.draw();
  }

  /** Another conversation was opened: its pins are read when asked for. */
  follow(conv: string): void {
    if (this.open && this.conv !== conv) this.close();
  }

  close(): void {
    this.el.hidden = true;
    this.conv = undefined;
  }

  private draw(): void {
    this.el.replaceChildren(
      h('h2', { class: 'pins-title' }, `Pinned (${this.pins.length})`),
      this.pins.length === 0
        ? h('p', { class: 'pins-empty' }, 'Nothing pinned yet. Pin a message from its actions.')
        : h(
            'ul',
            { class: 'pins-list' },
            ...this.pins.map((p) =>
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    class: 'pin-item',
                    attrs: {
                      type: 'button',
                      'data-seq': String(p.seq),
                      title: p.pinned
                        ? `Pinned by ${p.pinned.by}, ${fullLabel(new Date(p.pinned.ts))}`
                        : undefined,
                    },
                    on: { click: () => this.jumpTo(p.seq) },
                  },
                  h('span', { class: 'pin-from' }, p.from),
                  h('span', { class: 'pin-text' }, p.text ?? (p.attachments?.length ? 'attachment' : '')),
                ),
              ),
            ),
          ),
    );
  }
}
