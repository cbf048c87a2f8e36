import type { HelloResult } from '@natter/client';
import { describeError } from '../open-client.ts';
import { parseChatLine } from './chat-command.ts';
import { ChatContext, type ChatOptions } from './chat-context.ts';
import { Conversations } from './conversations.ts';
import { Incoming } from './incoming.ts';
import { Outgoing } from './outgoing.ts';
import { type CommandParts, runCommand } from './run-command.ts';

export type { ChatOptions } from './chat-context.ts';

/**
 * The interactive chat: a current conversation that plain lines go to, slash commands,
 * and everything the session hears printed above the prompt. This class wires the parts
 * that share a ChatContext: Conversations and Outgoing carry out what the user enters
 * (through runCommand), Incoming prints what the session hears.
 */
export class Chat {
  private readonly ctx: ChatContext;
  private readonly outgoing: Outgoing;
  private readonly incoming: Incoming;
  private readonly commandParts: CommandParts;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: ChatOptions) {
    this.ctx = new ChatContext(opts);
    this.outgoing = new Outgoing(this.ctx);
    this.incoming = new Incoming(this.ctx, this.outgoing, () => void this.quit(1));
    this.commandParts = {
      ctx: this.ctx,
      conversations: new Conversations(this.ctx),
      outgoing: this.outgoing,
      quit: () => this.quit(0),
    };
  }

  /** Wires the client's events and greets; `hello` is the first session's result. */
  async start(hello: HelloResult): Promise<void> {
    const { ctx } = this;
    ctx.me = hello.user;
    ctx.book.load(hello.convs);
    // Replays after a reconnect then cover every conversation, not only those that had news.
    for (const c of hello.convs) ctx.client.advanceSeq(c.conv, c.seq);
    this.unsubscribe.push(...this.incoming.listen());
    ctx.notice(`connected as ${ctx.style.bold(ctx.safe(ctx.me))}; /help lists the commands`);
    const mine = ctx.book.list().map((c) => {
      const n = ctx.book.unread(c);
      return n > 0 ? `${ctx.label(c)} (${n} unread)` : ctx.label(c);
    });
    if (mine.length > 0) ctx.notice(`your conversations: ${mine.join(', ')}`);
    ctx.updatePrompt();
    const partners = ctx.book.list().flatMap((c) => ctx.partnerOf(c) ?? []);
    if (partners.length > 0) await ctx.watch(partners);
  }

  /** One line the user entered. Resolves when it is handled (sends are queued, not awaited). */
  async handle(line: string): Promise<void> {
    if (this.ctx.ended) return;
    const cmd = parseChatLine(line);
    try {
      await runCommand(cmd, line, this.commandParts);
    } catch (err) {
      this.ctx.warn(describeError(err));
    }
    this.ctx.screen.prompt();
  }

  /** A key was pressed; `line` is the input so far. */
  keypress(line: string): void {
    this.outgoing.keypress(line);
  }

  /** Waits (a while) for unsent messages, then closes the session and ends with `code`. */
  async quit(code: 0 | 1 = 0): Promise<void> {
    const { ctx } = this;
    if (ctx.ended) return;
    ctx.ended = true;
    if (this.outgoing.sending) await this.outgoing.flush(this.opts.flushTimeoutMs ?? 5000);
    for (const off of this.unsubscribe) off();
    ctx.typers.cancel();
    ctx.reads.cancel();
    ctx.client.close();
    ctx.screen.close();
    this.opts.onEnd(code);
  }
}
