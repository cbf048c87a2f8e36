import {
  type HelloResult,
  type MessageView,
  type NatterClient,
  newCid,
  type PresenceView,
  type Target,
} from '@natter/client';
import { messagesBetween } from '../backlog.ts';
import { escapeControls } from '../escape.ts';
import { convLabel, formatMessage } from '../format.ts';
import { dmConv } from '../ids.ts';
import { describeError } from '../open-client.ts';
import type { Style } from '../style.ts';
import { CHAT_HELP, type ChatCommand, parseChatLine } from './chat-command.ts';
import { ConvBook } from './conv-book.ts';
import { memberLines, presenceLine, roomLines } from './listings.ts';
import type { Screen } from './screen.ts';
import { TypingThrottle } from './typing-throttle.ts';

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

interface Current {
  target: Target;
  conv: string;
  label: string;
}

/**
 * The interactive chat: a current conversation that plain lines go to, slash commands,
 * and everything the session hears printed above the prompt. All text from the network
 * goes through escapeControls (via formatMessage or `safe`).
 */
export class Chat {
  private readonly client: NatterClient;
  private readonly screen: Screen;
  private readonly style: Style;
  private readonly book = new ConvBook();
  private readonly throttle = new TypingThrottle();
  /** cids of this process's sends: their replay after a reconnect is not shown twice. */
  private readonly sentCids = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** History fetches for what a reconnect's replay did not cover (see onReconnectHello). */
  private readonly catchUps: Promise<void>[] = [];
  private readonly presence = new Map<string, boolean>();
  private readonly typers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly readTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private current: Current | undefined;
  private me = '';
  private reconnecting = false;
  private replayed = 0;
  private ended = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: ChatOptions) {
    this.client = opts.client;
    this.screen = opts.screen;
    this.style = opts.style;
  }

  /** Wires the client's events and greets; `hello` is the first session's result. */
  async start(hello: HelloResult): Promise<void> {
    this.me = hello.user;
    this.book.load(hello.convs);
    // Replays after a reconnect then cover every conversation, not only those that had news.
    for (const c of hello.convs) this.client.advanceSeq(c.conv, c.seq);
    const on = this.client.on.bind(this.client);
    this.unsubscribe.push(
      on('message', (m) => this.onMessage(m)),
      on('gap', (g) =>
        this.notice(
          `${this.label(g.conv)}: ${g.before - g.after - 1} missed messages were not replayed (/history)`,
        ),
      ),
      on('typing', (t) => this.onTyping(t.conv, t.user)),
      on('presence', (p) => this.onPresence(p)),
      on('joined', (e) => this.onMembership(e.room, e.user, true)),
      on('left', (e) => this.onMembership(e.room, e.user, false)),
      on('state', (s) => this.onState(s)),
      on('hello', (h) => this.onReconnectHello(h)),
      on('synced', () => void this.onSynced()),
      on('error', (err) => this.warn(describeError(err))),
    );
    this.notice(`connected as ${this.style.bold(this.safe(this.me))}; /help lists the commands`);
    const mine = this.book.list().map((c) => {
      const n = this.book.unread(c);
      return n > 0 ? `${this.label(c)} (${n} unread)` : this.label(c);
    });
    if (mine.length > 0) this.notice(`your conversations: ${mine.join(', ')}`);
    this.updatePrompt();
    const partners = this.book.list().flatMap((c) => this.partnerOf(c) ?? []);
    if (partners.length > 0) await this.watch(partners);
  }

  /** One line the user entered. Resolves when it is handled (sends are queued, not awaited). */
  async handle(line: string): Promise<void> {
    if (this.ended) return;
    const cmd = parseChatLine(line);
    try {
      await this.run(cmd, line);
    } catch (err) {
      this.warn(describeError(err));
    }
    this.screen.prompt();
  }

  /** A key was pressed; `line` is the input so far. Sends `typing` at most every 3 s. */
  keypress(line: string): void {
    if (!this.current || line.length === 0 || line.startsWith('/')) return;
    if (this.throttle.due(this.current.target)) this.client.typing(this.current.target);
  }

  /** Waits (a while) for unsent messages, then closes the session and ends with `code`. */
  async quit(code: 0 | 1 = 0): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.inFlight.size > 0) {
      const flush = Promise.allSettled([...this.inFlight]);
      const limit = new Promise((resolve) => setTimeout(resolve, this.opts.flushTimeoutMs ?? 5000).unref());
      await Promise.race([flush, limit]);
    }
    for (const off of this.unsubscribe) off();
    for (const t of [...this.typers.values(), ...this.readTimers.values()]) clearTimeout(t);
    this.client.close();
    this.screen.close();
    this.opts.onEnd(code);
  }

  // ---- commands ----

  private async run(cmd: ChatCommand, line: string): Promise<void> {
    switch (cmd.kind) {
      case 'nothing':
        return;
      case 'invalid':
        return this.warn(cmd.message);
      case 'say':
        return this.say(cmd.text, line);
      case 'help':
        return this.screen.print(CHAT_HELP.map((l) => `  ${l}`).join('\n'));
      case 'quit':
        return this.quit(0);
      case 'join': {
        const conv = `room:${cmd.room}`;
        const { seq } = await this.client.join(cmd.room);
        if (!this.book.has(conv)) {
          this.book.enter(conv, seq);
          this.client.advanceSeq(conv, seq);
        }
        this.switchTo({ target: conv as Target, conv, label: `#${cmd.room}` }, `joined #${cmd.room}`);
        return;
      }
      case 'create': {
        const conv = `room:${cmd.room}`;
        await this.client.create(cmd.room, { private: cmd.private });
        this.book.enter(conv, 0);
        this.client.advanceSeq(conv, 0);
        const kind = cmd.private ? 'private room' : 'room';
        this.switchTo(
          { target: conv as Target, conv, label: `#${cmd.room}` },
          `created ${kind} #${cmd.room}`,
        );
        return;
      }
      case 'leave': {
        const room = cmd.room ?? this.currentRoom();
        if (!room) return this.warn('/leave which room? (you are not in a room here)');
        await this.client.leave(room);
        this.book.forget(`room:${room}`);
        if (this.current?.conv === `room:${room}`) this.current = undefined;
        this.notice(`left #${room}`);
        this.updatePrompt();
        return;
      }
      case 'room': {
        const conv = `room:${cmd.room}`;
        if (!this.book.has(conv)) return this.warn(`you are not in #${cmd.room}: /join ${cmd.room}`);
        this.switchTo({ target: conv as Target, conv, label: `#${cmd.room}` });
        return;
      }
      case 'dm': {
        const conv = dmConv(this.me, cmd.user);
        this.switchTo({ target: `user:${cmd.user}`, conv, label: `@${cmd.user}` });
        if (cmd.user !== this.me) await this.watch([cmd.user]);
        return;
      }
      case 'rooms':
        return this.listRooms();
      case 'who':
        return this.who();
      case 'history':
        return this.history(cmd.limit);
      case 'invite': {
        const room = this.currentRoom();
        if (!room) return this.warn('/invite works in a room: /room <room> first');
        await this.client.invite(room, cmd.user);
        this.notice(`invited ${cmd.user} to #${room}`);
        return;
      }
    }
  }

  private say(text: string, entered: string): void {
    const here = this.current;
    if (!here) {
      this.screen.replaceEntered(entered, this.style.dim(`(not sent: /join a room or /dm a user first)`));
      return;
    }
    const cid = newCid();
    this.sentCids.add(cid);
    this.throttle.reset();
    const mine: MessageView = {
      conv: here.conv,
      seq: 0,
      mid: '',
      from: this.me,
      ts: new Date().toISOString(),
      text,
    };
    this.screen.replaceEntered(entered, this.format(mine, here.conv));
    const sending = this.client.send(here.target, { text, cid }).then(
      (r) => {
        this.book.saw(r.conv, r.seq);
        this.book.markRead(r.conv, r.seq);
      },
      (err: unknown) => this.warn(`not sent to ${here.label}: ${describeError(err)}`),
    );
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async listRooms(): Promise<void> {
    const rooms = await this.client.rooms();
    for (const r of rooms) this.book.saw(`room:${r.room}`, r.seq);
    const lines = roomLines(rooms, this.book, this.me, this.current?.conv, this.style);
    this.screen.print(lines.length > 0 ? lines.join('\n') : this.style.dim('you are in no rooms: /join one'));
  }

  private async who(): Promise<void> {
    const here = this.current;
    if (!here) return this.warn('/who: /join a room or /dm a user first');
    if (here.target.startsWith('user:')) {
      const user = here.target.slice(5);
      const [p] = await this.client.watch([user]);
      if (p) this.presence.set(p.user, p.online);
      this.screen.print(
        p ? presenceLine(p, this.style) : this.style.dim(`no presence for ${this.safe(user)}`),
      );
      return;
    }
    const members = await this.client.members(here.target.slice(5));
    this.screen.print(memberLines(here.label, members, this.me, this.style).join('\n'));
  }

  private async history(limit: number): Promise<void> {
    const here = this.current;
    if (!here) return this.warn('/history: /join a room or /dm a user first');
    const { messages, more } = await this.client.history(here.conv, { limit });
    if (messages.length === 0) return this.notice(`no messages in ${here.label} yet`);
    const head = this.style.dim(
      `--- ${here.label}: the last ${messages.length}${more ? ' (more before)' : ''} ---`,
    );
    this.screen.print([head, ...messages.map((m) => this.format(m, here.conv))].join('\n'));
    const last = messages[messages.length - 1].seq;
    this.book.saw(here.conv, last);
    this.scheduleRead(here.conv, last);
  }

  // ---- events ----

  private onMessage(m: MessageView): void {
    // Our own message coming back in a replay: it was shown when it was typed.
    if (m.cid !== undefined && m.from === this.me && this.sentCids.has(m.cid)) return;
    if (this.reconnecting) this.replayed++;
    this.book.saw(m.conv, m.seq);
    this.stopTyping(m.from, false);
    this.screen.print(this.format(m, m.conv));
    if (m.conv === this.current?.conv) this.scheduleRead(m.conv, m.seq);
    const partner = this.partnerOf(m.conv);
    if (partner !== undefined && !this.presence.has(partner)) void this.watch([partner]);
    if (this.current?.conv === m.conv) this.updatePrompt();
  }

  private onTyping(conv: string, user: string): void {
    if (user === this.me || conv !== this.current?.conv) return;
    const old = this.typers.get(user);
    if (old) clearTimeout(old);
    else if (!this.screen.interactive) this.screen.print(this.style.dim(`${this.safe(user)} is typing…`));
    this.typers.set(
      user,
      setTimeout(() => this.stopTyping(user, true), this.opts.typingShowMs ?? 4000),
    );
    this.updatePrompt();
  }

  private stopTyping(user: string, redraw: boolean): void {
    const timer = this.typers.get(user);
    if (!timer) return;
    clearTimeout(timer);
    this.typers.delete(user);
    if (redraw) this.updatePrompt();
  }

  private onPresence(p: PresenceView): void {
    const before = this.presence.get(p.user);
    this.presence.set(p.user, p.online);
    if (before !== undefined && before !== p.online) this.screen.print(presenceLine(p, this.style));
  }

  private onMembership(room: string, user: string, joined: boolean): void {
    const conv = `room:${room}`;
    if (user === this.me) {
      // Another session of ours joined or left.
      if (joined && !this.book.has(conv)) this.book.enter(conv, 0);
      if (!joined) this.book.forget(conv);
      return;
    }
    this.notice(`${this.safe(user)} ${joined ? 'joined' : 'left'} #${this.safe(room)}`);
  }

  private onState(state: string): void {
    if (state === 'reconnecting' && !this.reconnecting) {
      this.reconnecting = true;
      this.replayed = 0;
      this.screen.print(this.style.yellow('reconnecting…'));
    }
    if (state === 'closed' && !this.ended) {
      this.screen.print(this.style.red('the session ended and cannot be resumed'));
      void this.quit(1);
    }
  }

  private onReconnectHello(hello: HelloResult): void {
    for (const c of hello.convs) {
      // The SDK leaves a conversation it has delivered nothing of (a room joined at seq 0)
      // out of `since`, so nothing of it is replayed: fetch what came while we were away.
      if (
        this.book.has(c.conv) &&
        this.client.lastSeq(c.conv) === undefined &&
        c.seq > this.book.latest(c.conv)
      ) {
        this.catchUps.push(this.catchUp(c.conv, this.book.latest(c.conv), c.seq));
      }
    }
    // Conversations that began while we were away were not in `since`, so nothing of them
    // is replayed: say so, and follow them from here on.
    for (const c of hello.convs) {
      if (this.book.has(c.conv)) continue;
      if (c.seq > c.read)
        this.notice(`${this.label(c.conv)}: ${c.seq - c.read} new while you were away (/history)`);
      this.client.advanceSeq(c.conv, c.seq);
    }
    this.book.load(hello.convs);
  }

  private async catchUp(conv: string, after: number, upTo: number): Promise<void> {
    try {
      await messagesBetween(this.client, conv, after, upTo + 1, (page) => {
        for (const m of page) this.onMessage(m);
      });
      this.client.advanceSeq(conv, upTo);
    } catch (err) {
      this.warn(`${this.label(conv)}: could not fetch what was missed (${describeError(err)}); /history`);
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
    this.screen.print(this.style.green(`back online, ${n} missed message${n === 1 ? '' : 's'} replayed`));
  }

  // ---- helpers ----

  private switchTo(next: Current, what?: string): void {
    this.current = next;
    for (const user of [...this.typers.keys()]) this.stopTyping(user, false);
    const unread = this.book.unread(next.conv);
    const parts = [what ?? `now talking in ${next.label}`];
    if (unread > 0) parts.push(`${unread} unread (/history ${Math.min(unread, 200)})`);
    this.notice(parts.join('; '));
    const latest = this.book.latest(next.conv);
    if (unread > 0) this.scheduleRead(next.conv, latest);
    this.updatePrompt();
  }

  /** Moves the read marker soon (a burst of messages makes one `read`). */
  private scheduleRead(conv: string, seq: number): void {
    if (!this.book.markRead(conv, seq)) return;
    const old = this.readTimers.get(conv);
    if (old) clearTimeout(old);
    this.readTimers.set(
      conv,
      setTimeout(() => {
        this.readTimers.delete(conv);
        this.client.read(conv, this.book.latest(conv)).catch(() => {
          // A lost read marker only means an unread count that is too high elsewhere.
        });
      }, 300),
    );
  }

  private async watch(users: string[]): Promise<void> {
    try {
      for (const p of await this.client.watch(users)) this.presence.set(p.user, p.online);
    } catch (err) {
      this.warn(`presence of ${users.join(', ')}: ${describeError(err)}`);
    }
  }

  private updatePrompt(): void {
    const label = this.current ? this.current.label : 'natter';
    const typing = [...this.typers.keys()].map((u) => this.safe(u));
    const status =
      typing.length === 0
        ? ''
        : ` ${this.style.dim(`(${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…)`)}`;
    this.screen.setPrompt(`${this.style.bold(this.safe(label))}${status}> `);
  }

  private format(m: MessageView, conv: string): string {
    const label = conv === this.current?.conv ? undefined : this.label(conv);
    return formatMessage(m, { style: this.style, httpBase: this.opts.httpBase, multiline: true, label });
  }

  private label(conv: string): string {
    return this.safe(convLabel(conv, this.me));
  }

  private partnerOf(conv: string): string | undefined {
    if (!conv.startsWith('dm:')) return undefined;
    const [a, b] = conv.slice(3).split(':');
    const other = a === this.me ? b : a;
    return other === this.me ? undefined : other;
  }

  private currentRoom(): string | undefined {
    return this.current?.target.startsWith('room:') ? this.current.target.slice(5) : undefined;
  }

  private safe(s: string): string {
    return escapeControls(s);
  }

  private notice(text: string): void {
    this.screen.print(this.style.dim(`* ${text}`));
  }

  private warn(text: string): void {
    this.screen.print(this.style.red(`! ${this.safe(text)}`));
  }
}
