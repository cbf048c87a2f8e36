import type { MessageView, NatterClient, Target } from '@natter/client';
import { dmPeer, parseTarget } from '@natter/protocol';
import { escapeControls } from '../escape.ts';
import { convLabel, formatMessage } from '../format.ts';
import { describeError } from '../open-client.ts';
import type { Style } from '../style.ts';
import { ConvBook } from './conv-book.ts';
import { ReadMarkers } from './read-markers.ts';
import type { Screen } from './screen.ts';
import { Typers } from './typers.ts';

export interface ChatOptions {
  client: NatterClient;
  screen: Screen;
  style: Style;
  /** The gateway's http(s) origin, for attachment URLs. */
  httpBase: string;
  /** Called once when the chat is over: /quit (0) or a session that cannot be resumed (1). */
  onEnd(code: 0 | 1): void;
  /** How long someone's "typing" shows after their last notification. */
  typingShowMs?: number;
  /** How long /quit waits for sends that have no result yet. */
  flushTimeoutMs?: number;
}

/** The conversation plain lines go to. */
export interface Current {
  target: Target;
  conv: string;
  label: string;
}

/**
 * What the parts of the chat share: the session, the screen, what is known of the
 * conversations and of people, and the ways of printing. All text from the network goes
 * through escapeControls (via formatMessage or `safe`).
 */
export class ChatContext {
  readonly client: NatterClient;
  readonly screen: Screen;
  readonly style: Style;
  readonly book = new ConvBook();
  readonly reads: ReadMarkers;
  /** Who is typing in the current conversation: the prompt shows them. */
  readonly typers: Typers;
  /** Whether each watched user is online, as last heard. */
  readonly presence = new Map<string, boolean>();
  current: Current | undefined;
  me = '';
  ended = false;

  constructor(private readonly opts: ChatOptions) {
    this.client = opts.client;
    this.screen = opts.screen;
    this.style = opts.style;
    this.reads = new ReadMarkers(this.client, this.book);
    this.typers = new Typers(opts.typingShowMs ?? 4000, () => this.updatePrompt());
  }

  /** Learns whether `users` are online; the session then hears when that changes. */
  async watch(users: string[]): Promise<void> {
    try {
      for (const p of await this.client.watch(users)) this.presence.set(p.user, p.online);
    } catch (err) {
      this.warn(`presence of ${users.join(', ')}: ${describeError(err)}`);
    }
  }

  updatePrompt(): void {
    const label = this.current ? this.current.label : 'natter';
    const typing = this.typers.names().map((u) => this.safe(u));
    const status =
      typing.length === 0
        ? ''
        : ` ${this.style.dim(`(${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…)`)}`;
    this.screen.setPrompt(`${this.style.bold(this.safe(label))}${status}> `);
  }

  /** A message as printed; one from elsewhere than the current conversation says where. */
  format(m: MessageView, conv: string): string {
    const label = conv === this.current?.conv ? undefined : this.label(conv);
    return formatMessage(m, { style: this.style, httpBase: this.opts.httpBase, multiline: true, label });
  }

  label(conv: string): string {
    return this.safe(convLabel(conv, this.me));
  }

  /** The other user of a direct conversation (none for a room, or a DM with oneself). */
  partnerOf(conv: string): string | undefined {
    const other = dmPeer(conv, this.me);
    return other === this.me ? undefined : other;
  }

  currentRoom(): string | undefined {
    const to = this.current && parseTarget(this.current.target);
    return to?.kind === 'room' ? to.room : undefined;
  }

  safe(s: string): string {
    return escapeControls(s);
  }

  notice(text: string): void {
    this.screen.print(this.style.dim(`* ${text}`));
  }

  warn(text: string): void {
    this.screen.print(this.style.red(`! ${this.safe(text)}`));
  }
}
