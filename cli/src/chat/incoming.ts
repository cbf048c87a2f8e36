import type { HelloResult, MessageView, PresenceView } from '@natter/client';
import { messagesBetween } from '../backlog.ts';
import { describeError } from '../open-client.ts';
import { changeLine } from './changes.ts';
import type { ChatContext } from './chat-context.ts';
import { presenceLine } from './listings.ts';
import type { Outgoing } from './outgoing.ts';

/**
 * Everything the session hears, printed above the prompt: messages, typing, presence,
 * members coming and going, and the connection's ups and downs, with the catch-up that
 * follows a reconnect.
 */
export class Incoming {
  private reconnecting = false;
  /** Messages shown since the connection was lost, for the "back online" line. */
  private replayed = 0;
  /** History fetches for what a reconnect's replay did not cover (see onReconnectHello). */
  private readonly catchUps: Promise<void>[] = [];

  constructor(
    private readonly ctx: ChatContext,
    private readonly outgoing: Outgoing,
    /** Called when the session ended and cannot be resumed. */
    private readonly onLost: () => void,
  ) {}

  /** Listens to the client's events; returns what stops each listener. */
  listen(): (() => void)[] {
    const { ctx } = this;
    const on = ctx.client.on.bind(ctx.client);
    return [
      on('message', (m) => this.onMessage(m)),
      // Edits, deletes, reactions and pins by others (and replayed after a reconnect).
      on('change', (c) => ctx.screen.print(changeLine(ctx, c))),
      on('refetch', ({ conv }) =>
        ctx.notice(`${ctx.label(conv)}: much changed while you were away (/history)`),
      ),
      on('gap', (g) =>
        ctx.notice(
          `${ctx.label(g.conv)}: ${g.before - g.after - 1} missed messages were not replayed (/history)`,
        ),
      ),
      on('typing', (t) => this.onTyping(t.conv, t.user)),
      on('presence', (p) => this.onPresence(p)),
      on('joined', (e) => this.onMembership(e.room, e.user, true)),
      on('left', (e) => this.onMembership(e.room, e.user, false)),
      on('invited', (e) =>
        ctx.notice(
          `${ctx.safe(e.by)} invited you to #${ctx.safe(e.room)} (/join ${ctx.safe(e.room)} or /decline ${ctx.safe(e.room)})`,
        ),
      ),
      on('state', (s) => this.onState(s)),
      on('hello', (h) => this.onReconnectHello(h)),
      on('synced', () => void this.onSynced()),
      on('error', (err) => ctx.warn(describeError(err))),
    ];
  }

  private onMessage(m: MessageView): void {
    const { ctx } = this;
    if (this.outgoing.isEcho(m)) return;
    if (this.reconnecting) this.replayed++;
    ctx.book.saw(m.conv, m.seq);
    ctx.typers.stop(m.from);
    ctx.screen.print(ctx.format(m, m.conv));
    if (m.conv === ctx.current?.conv) ctx.reads.schedule(m.conv, m.seq);
    const partner = ctx.partnerOf(m.conv);
    if (partner !== undefined && !ctx.presence.has(partner)) void ctx.watch([partner]);
    if (ctx.current?.conv === m.conv) ctx.updatePrompt();
  }

  private onTyping(conv: string, user: string): void {
    const { ctx } = this;
    if (user === ctx.me || conv !== ctx.current?.conv) return;
    // A prompt shows who is typing; without one, say it once when they start.
    if (!ctx.typers.has(user) && !ctx.screen.interactive) {
      ctx.screen.print(ctx.style.dim(`${ctx.safe(user)} is typing…`));
    }
    ctx.typers.start(user);
    ctx.updatePrompt();
  }

  private onPresence(p: PresenceView): void {
    const { ctx } = this;
    const before = ctx.presence.get(p.user);
    ctx.presence.set(p.user, p.online);
    if (before !== undefined && before !== p.online) ctx.screen.print(presenceLine(p, ctx.style));
  }

  private onMembership(room: string, user: string, joined: boolean): void {
    const { ctx } = this;
    const conv = `room:${room}`;
    if (user === ctx.me) {
      // Another session of ours joined or left.
      if (joined && !ctx.book.has(conv)) ctx.book.enter(conv, 0);
      if (!joined) ctx.book.forget(conv);
      return;
    }
    ctx.notice(`${ctx.safe(user)} ${joined ? 'joined' : 'left'} #${ctx.safe(room)}`);
  }

  private onState(state: string): void {
    const { ctx } = this;
    if (state === 'reconnecting' && !this.reconnecting) {
      this.reconnecting = true;
      this.replayed = 0;
      ctx.screen.print(ctx.style.yellow('reconnecting…'));
    }
    if (state === 'closed' && !ctx.ended) {
      ctx.screen.print(ctx.style.red('the session ended and cannot be resumed'));
      this.onLost();
    }
  }

  private onReconnectHello(hello: HelloResult): void {
    const { ctx } = this;
    for (const c of hello.convs) {
      // The SDK leaves a conversation it has delivered nothing of (a room joined at seq 0)
      // out of `since`, so nothing of it is replayed: fetch what came while we were away.
      if (
        ctx.book.has(c.conv) &&
        ctx.client.lastSeq(c.conv) === undefined &&
        c.seq > ctx.book.latest(c.conv)
      ) {
        this.catchUps.push(this.catchUp(c.conv, ctx.book.latest(c.conv), c.seq));
      }
    }
    // Conversations that began while we were away were not in `since`, so nothing of them
    // is replayed: say so, and follow them from here on.
    for (const c of hello.convs) {
      if (ctx.book.has(c.conv)) continue;
      if (c.seq > c.read)
        ctx.notice(`${ctx.label(c.conv)}: ${c.seq - c.read} new while you were away (/history)`);
      ctx.client.advanceSeq(c.conv, c.seq);
    }
    ctx.book.load(hello.convs);
  }

  private async catchUp(conv: string, after: number, upTo: number): Promise<void> {
    const { ctx } = this;
    try {
      await messagesBetween(ctx.client, conv, after, upTo + 1, (page) => {
        for (const m of page) this.onMessage(m);
      });
      ctx.client.advanceSeq(conv, upTo);
    } catch (err) {
      ctx.warn(`${ctx.label(conv)}: could not fetch what was missed (${describeError(err)}); /history`);
    }
  }

  private async onSynced(): Promise<void> {
    if (!this.reconnecting) return;
    // `synced` can come in the same network read as hello's reply, and so before the SDK's
    // `hello` event (emitted from a promise): let that run first, it may start catch-ups.
    await new Promise((resolve) => setImmediate(resolve));
    const catchUps = this.catchUps.splice(0);
    await Promise.allSettled(catchUps);
    this.reconnecting = false;
    const n = this.replayed;
    this.ctx.screen.print(
      this.ctx.style.green(`back online, ${n} missed message${n === 1 ? '' : 's'} replayed`),
    );
  }
}
