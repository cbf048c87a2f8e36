import { NatterClientError } from '@natter/client';
import { Chat, type Credentials } from '../chat.ts';
import { followPeerMarkers } from '../receipts.ts';
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
    followPeerMarkers(chat); // the DM ticks; before connect, so the first hello's markers count
    this.chat = chat;
    // Refused later (the token expired, or the server's keys changed while we were away): the
    // SDK gives up rather than retry a fixed token, so back to sign-in, not "Disconnected.".
    chat.client.on('error', (err) => {
      if (
        err.code === 'unauthenticated' &&
        chat.client.state === 'closed' &&
        this.chat === chat &&
        chat.ready
      )
        this.rejected(chat, creds, 'Your sign-in is no longer accepted (the token expired or was revoked).');
    });
    this.root.replaceChildren(this.signedIn(chat, () => this.signOut()));
    try {
      await chat.start();
      this.creds.save(creds);
    } catch (err) {
      const why =
        err instanceof NatterClientError && err.code === 'unauthenticated'
          ? creds.token
            ? 'That token was not accepted.'
            : 'This server needs an access token to sign in.'
          : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`;
      this.rejected(chat, creds, why);
    }
  }

  /** The server refused these credentials: forget them and ask again, saying why. */
  private rejected(chat: Chat, creds: Credentials, why: string): void {
    if (this.chat !== chat) return;
    chat.stop();
    this.chat = undefined;
    this.creds.save(undefined);
    this.showSignIn(creds.token ? `${why} Sign in again.` : why);
  }

  private signOut(): void {
    this.chat?.stop();
    this.chat = undefined;
    this.creds.save(undefined);
    history.replaceState(null, '', location.pathname + location.search);
    this.showSignIn();
  }
}
