import { type Target, threadRoot } from '@natter/client';
import { dmConv, parseTarget, roomConv } from '@natter/protocol';
import { describeError } from '../open-client.ts';
import { DEFAULT_HISTORY } from './chat-command.ts';
import type { ChatContext, Current } from './chat-context.ts';
import { memberLines, presenceLine, roomLines } from './listings.ts';

/**
 * The commands about conversations: entering, leaving and switching between them (which
 * sets where plain lines go), and listing rooms, members and history.
 */
export class Conversations {
  constructor(private readonly ctx: ChatContext) {}

  async join(room: string): Promise<void> {
    const { ctx } = this;
    const conv = `room:${room}`;
    const { seq } = await ctx.client.join(room);
    if (!ctx.book.has(conv)) {
      ctx.book.enter(conv, seq);
      ctx.client.advanceSeq(conv, seq);
    }
    this.switchTo(inRoom(room), `joined #${room}`);
  }

  async create(room: string, isPrivate: boolean): Promise<void> {
    const { ctx } = this;
    const conv = `room:${room}`;
    await ctx.client.create(room, { private: isPrivate });
    ctx.book.enter(conv, 0);
    ctx.client.advanceSeq(conv, 0);
    const kind = isPrivate ? 'private room' : 'room';
    this.switchTo(inRoom(room), `created ${kind} #${room}`);
  }

  /** Leaves `room`, or the current one when none is named. */
  async leave(named: string | undefined): Promise<void> {
    const { ctx } = this;
    const room = named ?? ctx.currentRoom();
    if (!room) return ctx.warn('/leave which room? (you are not in a room here)');
    await ctx.client.leave(room);
    ctx.book.forget(`room:${room}`);
    if (ctx.current?.conv === `room:${room}`) ctx.current = undefined;
    ctx.notice(`left #${room}`);
    ctx.updatePrompt();
  }

  /** Talks in a room the user is already in. */
  room(room: string): void {
    if (this.ctx.book.has(`room:${room}`)) this.switchTo(inRoom(room));
    else this.ctx.warn(`you are not in #${room}: /join ${room}`);
  }

  async dm(user: string): Promise<void> {
    const { ctx } = this;
    const conv = dmConv(ctx.me, user);
    this.switchTo({ target: `user:${user}`, conv, label: `@${user}` });
    if (user !== ctx.me) await ctx.watch([user]);
  }

  async invite(user: string): Promise<void> {
    const { ctx } = this;
    const room = ctx.currentRoom();
    if (!room) return ctx.warn('/invite works in a room: /room <room> first');
    await ctx.client.invite(room, user);
    ctx.notice(`invited ${user} to #${room}`);
  }

  async listInvites(): Promise<void> {
    const { ctx } = this;
    const invites = await ctx.client.invites();
    if (invites.length === 0) return ctx.notice('no invitations');
    for (const i of invites)
      ctx.notice(`#${ctx.safe(i.room)} from ${ctx.safe(i.by)} (/join ${ctx.safe(i.room)})`);
  }

  async decline(room: string): Promise<void> {
    const { ctx } = this;
    await ctx.client.decline(room);
    ctx.notice(`declined the invitation to #${room}`);
  }

  async listRooms(): Promise<void> {
    const { ctx } = this;
    const rooms = await ctx.client.rooms();
    for (const r of rooms) ctx.book.saw(roomConv(r.room), r.seq);
    const lines = roomLines(rooms, ctx.book, ctx.me, ctx.current?.conv, ctx.style);
    ctx.screen.print(lines.length > 0 ? lines.join('\n') : ctx.style.dim('you are in no rooms: /join one'));
  }

  async who(): Promise<void> {
    const { ctx } = this;
    const here = ctx.current;
    if (!here) return ctx.warn('/who: /join a room or /dm a user first');
    const to = parseTarget(here.target);
    if (to?.kind === 'user') {
      const { user } = to;
      const [p] = await ctx.client.watch([user]);
      if (p) ctx.presence.set(p.user, p.online);
      ctx.screen.print(p ? presenceLine(p, ctx.style) : ctx.style.dim(`no presence for ${ctx.safe(user)}`));
      return;
    }
    if (!to) return; // not reached: `current` is only ever set from a parsed target
    const members = await ctx.client.members(to.room);
    ctx.screen.print(memberLines(here.label, members, ctx.me, ctx.style).join('\n'));
  }

  async history(limit: number): Promise<void> {
    const { ctx } = this;
    const here = ctx.current;
    if (!here) return ctx.warn('/history: /join a room or /dm a user first');
    const { messages, more } = await ctx.client.history(here.conv, { limit });
    if (messages.length === 0) return ctx.notice(`no messages in ${here.label} yet`);
    const head = ctx.style.dim(
      `--- ${here.label}: the last ${messages.length}${more ? ' (more before)' : ''} ---`,
    );
    ctx.screen.print([head, ...messages.map((m) => ctx.format(m, here.conv))].join('\n'));
    const last = messages[messages.length - 1].seq;
    ctx.book.saw(here.conv, last);
    ctx.reads.schedule(here.conv, last);
  }

  /**
   * Opens the thread of message [seq] of the current conversation (a conversation of its
   * own, protocol 1.1): shows the root and the newest replies, and plain lines then go into
   * the thread until /room or /dm goes elsewhere.
   */
  async thread(seq: number): Promise<void> {
    const { ctx } = this;
    const here = ctx.current;
    if (!here) return ctx.warn('/thread: /join a room or /dm a user first');
    if (threadRoot(here.conv)) return ctx.warn('/thread: threads do not nest; /room or /dm back first');
    let opened: Awaited<ReturnType<typeof ctx.client.openThread>>;
    try {
      opened = await ctx.client.openThread(here.conv, seq, { limit: DEFAULT_HISTORY });
    } catch (err) {
      return ctx.warn(`/thread [${seq}]: ${describeError(err)}`);
    }
    const { conv, messages, more, root } = opened;
    const last = messages.at(-1)?.seq ?? 0;
    if (!ctx.book.has(conv)) ctx.book.enter(conv, last);
    else ctx.book.saw(conv, last);
    const rootLine = root && ctx.format(root, here.conv);
    this.switchTo(
      { target: conv as Target, conv, label: ctx.label(conv) },
      `now in the thread of [${seq}] in ${here.label} (/room or /dm to go back)`,
    );
    const head = ctx.style.dim(
      messages.length === 0
        ? '--- no replies yet: what you type now starts the thread ---'
        : `--- ${messages.length}${more ? ' latest' : ''} ${messages.length === 1 ? 'reply' : 'replies'} ---`,
    );
    ctx.screen.print(
      [...(rootLine ? [rootLine] : []), head, ...messages.map((m) => ctx.format(m, conv))].join('\n'),
    );
    if (last > 0) ctx.reads.schedule(conv, last);
  }

  /** Makes `next` the current conversation and says so (`what`, or "now talking in"). */
  private switchTo(next: Current, what?: string): void {
    const { ctx } = this;
    ctx.current = next;
    ctx.typers.stopAll();
    const unread = ctx.book.unread(next.conv);
    const parts = [what ?? `now talking in ${next.label}`];
    if (unread > 0) parts.push(`${unread} unread (/history ${Math.min(unread, 200)})`);
    ctx.notice(parts.join('; '));
    const latest = ctx.book.latest(next.conv);
    if (unread > 0) ctx.reads.schedule(next.conv, latest);
    ctx.updatePrompt();
  }
}

function inRoom(room: string): Current {
  const conv = `room:${room}`;
  return { target: conv as Target, conv, label: `#${room}` };
}
