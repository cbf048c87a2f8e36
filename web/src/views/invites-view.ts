import type { InviteView } from '@natter/client';
import { h } from '../dom.ts';
import { icon } from '../icons.ts';
import type { Invites } from '../invites.ts';
import { errorText, type Toasts } from './toasts.ts';

/**
 * Invitations on screen: a notice for each one that just arrived ("alice invited you to
 * #secret", Join / Decline), and a sidebar section listing every unused one, so a private
 * room one was invited to can be found after a reload too.
 */
export class InvitesView {
  /** The sidebar's section (hidden while there are none). */
  readonly section: HTMLElement;
  /** The notices, over the page. */
  readonly notices = h('div', { class: 'invite-notices', attrs: { 'aria-live': 'polite' } });
  private readonly items = h('ul', {
    class: 'conv-list invite-list',
    attrs: { 'aria-label': 'Invitations' },
  });

  constructor(
    private readonly invites: Invites,
    private readonly open: (conv: string) => void,
    private readonly toasts: Toasts,
  ) {
    this.section = h(
      'div',
      { class: 'invites', attrs: { hidden: '' } },
      h('div', { class: 'section-head' }, h('h2', null, 'Invitations')),
      this.items,
    );
    invites.subscribe(() => this.render());
  }

  render(): void {
    const list = this.invites.list;
    this.section.hidden = list.length === 0;
    this.items.replaceChildren(
      ...list.map((i) =>
        h(
          'li',
          { class: 'invite-item', attrs: { 'data-room': i.room } },
          h(
            'span',
            { class: 'invite-text' },
            h('span', { class: 'conv-icon', attrs: { 'aria-hidden': 'true' } }, icon('mail', 15)),
            h('span', { class: 'conv-name' }, `#${i.room}`),
            h('small', null, `from ${i.by}`),
          ),
          ...this.buttons(i),
        ),
      ),
    );
    const fresh = list.filter((i) => this.invites.fresh.has(i.room));
    this.notices.replaceChildren(
      ...fresh.map((i) =>
        h(
          'div',
          { class: 'invite-notice', attrs: { role: 'alert', 'data-room': i.room } },
          icon('mail', 18),
          h('span', { class: 'invite-notice-text' }, `${i.by} invited you to #${i.room}`),
          ...this.buttons(i),
          h(
            'button',
            {
              class: 'icon-btn',
              attrs: { type: 'button', 'aria-label': 'Later', title: 'Later (it stays in the sidebar)' },
              on: { click: () => this.invites.dismiss(i.room) },
            },
            icon('close', 16),
          ),
        ),
      ),
    );
  }

  private buttons(i: InviteView): HTMLElement[] {
    const act = (label: string, cls: string, run: () => Promise<unknown>) =>
      h(
        'button',
        {
          class: `${cls} small`,
          attrs: { type: 'button', 'aria-label': `${label} #${i.room}` },
          on: { click: () => void run().catch((err: unknown) => this.toasts.show(errorText(err))) },
        },
        label,
      );
    return [
      act('Join', 'primary', () => this.invites.accept(i.room).then((id) => this.open(id))),
      act('Decline', 'secondary', () => this.invites.decline(i.room)),
    ];
  }
}
