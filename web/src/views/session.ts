import { NatterClientError } from '@natter/client';
import { Chat, type Credentials } from '../chat.ts';
import { h } from '../dom.ts';
import { signInView } from './signin.ts';

export interface CredentialStore {
  load(): Credentials | undefined;
  save(c: Credentials | undefined): void;
}

/** Builds the signed-in page for a chat that is connecting. */
export type SignedInView = (chat: Chat, signOut: () => void) => HTMLElement;

/**
 * Sign-in, connecting and signing out. The signed-in page shows at once, while the first
 * connection is made; if the server refuses the credentials, back to sign-in with why.
 */
export class Session {
  private chat: Chat | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly urls: string[],
    private readonly creds: CredentialStore,
    private readonly signedIn: SignedInView,
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
    this.root.replaceChildren(this.signedIn(chat, () => this.signOut()));
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

/** The connection's state over the conversation, while it is not simply connected. */
export class ConnectionBanner {
  readonly el = h('div', { class: 'banner', attrs: { role: 'status', hidden: '' } });

  constructor(private readonly chat: Chat) {}

  render(): void {
    const s = this.chat.state;
    const pending = this.chat.client.pending;
    let text = '';
    if (s === 'reconnecting') text = 'Connection lost. Reconnecting…';
    else if (s === 'connecting') text = 'Connecting…';
    else if (s === 'closed' && this.chat.ready) text = 'Disconnected.';
    if (text && pending > 0) text += ` ${pending} message${pending === 1 ? '' : 's'} will be sent when back.`;
    this.el.textContent = text;
    this.el.hidden = text === '';
    this.el.dataset.state = s;
  }
}
