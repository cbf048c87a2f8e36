import { threadRoot } from '@natter/client';
import type { MessageView } from '@natter/protocol';
import type { Chat } from '../chat.ts';
import { h } from '../dom.ts';

/** Where the person's choice is kept (per browser profile and origin, like the permission). */
const SETTING_KEY = 'natter.desktopNotifications';
const FAVICON = '/favicon.svg';
const BODY_MAX = 140;

/**
 * While the tab is open but hidden: a desktop notification (the Notification API) for each
 * DM and each message that mentions me, one per conversation at a time (`tag`), clicking it
 * focuses the tab and opens the conversation. Off until the person turns it on with the
 * sidebar's toggle, which asks the browser's permission then. Also keeps the favicon's
 * badge showing the unread count (the page title's count is the sidebar's).
 */
export class DesktopAlerts {
  readonly el: HTMLElement;
  private readonly toggle: HTMLInputElement;
  private readonly icon: HTMLLinkElement | null;
  private badge = -1;

  constructor(
    private readonly chat: Chat,
    private readonly open: (conv: string) => void,
  ) {
    this.toggle = h('input', {
      attrs: { type: 'checkbox', id: 'desktop-notifications' },
      on: { change: () => void this.setEnabled(this.toggle.checked) },
    }) as HTMLInputElement;
    this.toggle.checked = this.enabled();
    this.el = h(
      'label',
      { class: 'setting', attrs: { for: 'desktop-notifications' } },
      this.toggle,
      ' Desktop notifications',
    );
    if (!('Notification' in window)) {
      this.toggle.disabled = true;
      this.el.title = 'This browser has no desktop notifications';
    }
    this.icon = document.querySelector<HTMLLinkElement>('link[rel=icon]');
    chat.client.on('message', (m) => this.onMessage(m));
    chat.subscribe((c) => {
      if (c.what === 'list' || c.what === 'conv') this.renderBadge();
    });
    this.renderBadge();
  }

  private enabled(): boolean {
    return (
      'Notification' in window &&
      Notification.permission === 'granted' &&
      localStorage.getItem(SETTING_KEY) === 'on'
    );
  }

  /** Turning it on asks for permission (a click is the gesture browsers want for that). */
  private async setEnabled(on: boolean): Promise<void> {
    if (on && Notification.permission !== 'granted') {
      const answer = await Notification.requestPermission();
      if (answer !== 'granted') {
        this.toggle.checked = false;
        this.el.title = 'Notifications are blocked for this site in the browser settings';
        return;
      }
    }
    localStorage.setItem(SETTING_KEY, on ? 'on' : 'off');
    this.toggle.checked = on;
  }

  private onMessage(m: MessageView): void {
    if (document.visibilityState !== 'hidden' || !this.enabled()) return;
    if (m.from === this.chat.me || m.deleted) return;
    // A reply in a thread is about its conversation, which the click opens (threads have no page of their own).
    const conv = threadRoot(m.conv)?.conv ?? m.conv;
    const dm = conv.startsWith('dm:');
    if (!dm && !m.mentions?.includes(this.chat.me)) return;
    const where = dm ? m.from : `${m.from} in ${conv.slice(conv.indexOf(':') + 1)}`;
    const text = m.text ?? (m.attachments?.length ? 'sent an attachment' : '');
    const n = new Notification(where, {
      body: text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text,
      tag: conv,
      icon: FAVICON,
    });
    n.onclick = () => {
      window.focus();
      this.open(conv);
      n.close();
    };
  }

  /** The favicon with the unread count on a red badge (the plain icon at 0). */
  private renderBadge(): void {
    const total = this.chat.totalUnread();
    if (!this.icon || total === this.badge) return;
    this.badge = total;
    if (total === 0) {
      this.icon.href = FAVICON;
      return;
    }
    const label = total > 99 ? '99+' : String(total);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
      // The shapes of favicon.svg: an image inside a data: SVG may load nothing else.
      `<rect width="64" height="64" rx="14" fill="#4f46e5"/>` +
      `<path d="M16 20h32a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H30l-10 8v-8h-4a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="#fff"/>` +
      `<circle cx="44" cy="20" r="20" fill="#e5484d"/>` +
      `<text x="44" y="28" font-size="${label.length > 2 ? 16 : 22}" font-family="sans-serif" font-weight="700" ` +
      `text-anchor="middle" fill="#fff">${label}</text></svg>`;
    this.icon.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
    this.icon.dataset.unread = label;
  }
}
