import type { Chat } from './chat.ts';
import { h } from './dom.ts';
import { icon } from './icons.ts';

/**
 * The connection's state over the conversation, while it is not simply connected. The
 * browser says at once when the network goes (`offline`), long before a heartbeat could
 * miss, so the banner shows within a moment of the drop and not only once the SDK notices.
 */
export class ConnectionBanner {
  readonly el = h('div', { class: 'banner', attrs: { role: 'status', hidden: '' } });
  private online = navigator.onLine;

  constructor(private readonly chat: Chat) {
    const update = () => {
      this.online = navigator.onLine;
      this.render();
    };
    window.addEventListener('offline', update);
    window.addEventListener('online', () => {
      update();
      // A socket that looked open through the outage may be dead: a ping finds out now
      // (the heartbeat would take two intervals), and a failed one lets the SDK reconnect.
      if (this.chat.client.state === 'open')
        this.chat.client.ping({ timeoutMs: 3000 }).catch(() => undefined);
    });
  }

  render(): void {
    const s = this.chat.state;
    const pending = this.chat.client.pending;
    let text = '';
    let offline = false;
    if (!this.online && s !== 'closed') {
      text = 'Offline — reconnecting when the network is back…';
      offline = true;
    } else if (s === 'reconnecting') text = 'Connection lost. Reconnecting…';
    else if (s === 'connecting') text = 'Connecting…';
    else if (s === 'closed' && this.chat.ready) text = 'Disconnected.';
    if (text && pending > 0) text += ` ${pending} message${pending === 1 ? '' : 's'} will be sent when back.`;
    this.el.replaceChildren(...(offline ? [icon('wifiOff', 16), ' '] : []), text);
    this.el.hidden = text === '';
    this.el.dataset.state = offline ? 'offline' : s;
  }
}
