import { type MessageView, newCid } from '@natter/client';
import { describeError } from '../open-client.ts';
import type { ChatContext } from './chat-context.ts';
import { TypingThrottle } from './typing-throttle.ts';

/**
 * What the user sends: plain lines become messages, shown at once and sent in the
 * background, and keystrokes become `typing` notifications.
 */
export class Outgoing {
  private readonly throttle = new TypingThrottle();
  /** cids of this process's sends: their replay after a reconnect is not shown twice. */
  private readonly sentCids = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: ChatContext) {}

  /** A key was pressed; `line` is the input so far. Sends `typing` at most every 3 s. */
  keypress(line: string): void {
    const here = this.ctx.current;
    if (!here || line.length === 0 || line.startsWith('/')) return;
    if (this.throttle.due(here.target)) this.ctx.client.typing(here.target);
  }

  /**
   * Sends `text` to the current conversation (with `reply`, as an answer to that seq);
   * `entered` (the echoed line) becomes the message.
   */
  say(text: string, entered: string, reply?: number): void {
    const { ctx } = this;
    const here = ctx.current;
    if (!here) {
      ctx.screen.replaceEntered(entered, ctx.style.dim(`(not sent: /join a room or /dm a user first)`));
      return;
    }
    const cid = newCid();
    this.sentCids.add(cid);
    this.throttle.reset();
    const mine: MessageView = {
      conv: here.conv,
      seq: 0,
      ver: 0,
      mid: '',
      from: ctx.me,
      ts: new Date().toISOString(),
      text,
    };
    if (reply !== undefined) {
      const to = ctx.client.store.get(here.conv, reply);
      mine.reply = {
        seq: reply,
        from: to?.from ?? '?',
        preview: [...(to?.text ?? '')].slice(0, 100).join(''),
      };
    }
    ctx.screen.replaceEntered(entered, ctx.format(mine, here.conv));
    const sending = ctx.client
      .send(here.target, reply === undefined ? { text, cid } : { text, cid, reply })
      .then(
        (r) => {
          ctx.book.saw(r.conv, r.seq);
          ctx.book.markRead(r.conv, r.seq);
        },
        (err: unknown) => ctx.warn(`not sent to ${here.label}: ${describeError(err)}`),
      );
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** True for our own message coming back in a replay: it was shown when it was typed. */
  isEcho(m: MessageView): boolean {
    return m.cid !== undefined && m.from === this.ctx.me && this.sentCids.has(m.cid);
  }

  /** True while some send has no result yet. */
  get sending(): boolean {
    return this.inFlight.size > 0;
  }

  /** Waits for the sends that have no result yet, `timeoutMs` at the most. */
  async flush(timeoutMs: number): Promise<void> {
    const flush = Promise.allSettled([...this.inFlight]);
    const limit = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([flush, limit]);
  }
}
