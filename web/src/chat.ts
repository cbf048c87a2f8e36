import {
  type ConnectionState,
  type HelloResult,
  type MessageView,
  NatterClient,
  NatterClientError,
  type RoomView,
} from '@natter/client';
import { dmConv, kindOf, peerOf } from './convs.ts';
import { Outgoing } from './outgoing.ts';
import { Conv, fromView, keyOf } from './store.ts';

export interface Credentials {
  /** Open mode: the name to be. */
  user?: string;
  /** A JWT, when the server requires tokens. */
  token?: string;
}

/** What changed, so views redraw only their part. */
export type Change =
  | { what: 'list' }
  | { what: 'conv'; conv: string }
  | { what: 'typing'; conv: string }
  | { what: 'presence' }
  | { what: 'members'; conv: string }
  | { what: 'connection' };

const TYPING_SHOWN_MS = 5000;
const PAGE = 50;

/**
 * The page's chat state on top of the SDK: conversations, their messages, unread counts,
 * presence, typing and read receipts. Views subscribe with `subscribe` and read the fields.
 */
export class Chat {
  readonly client: NatterClient;
  readonly convs = new Map<string, Conv>();
  readonly presence = new Map<string, boolean>();
  /** Sending: messages and typing notices (outgoing.ts). */
  readonly outgoing = new Outgoing(this);
  current: string | undefined;
  /** The thread open in the side pane: read like the current conversation while it shows. */
  thread: string | undefined;
  state: ConnectionState = 'connecting';
  /** The first hello has answered. */
  ready = false;
  private readonly listeners = new Set<(c: Change) => void>();
  private readonly readTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly watched = new Set<string>();

  constructor(urls: string[], creds: Credentials) {
    this.client = new NatterClient({
      url: urls.length === 1 ? urls[0]! : urls,
      user: creds.token ? undefined : creds.user,
      token: creds.token,
      device: 'web',
      reconnect: { initialDelayMs: 250, maxDelayMs: 5000 },
    });
    const c = this.client;
    c.on('hello', (h) => this.onHello(h));
    c.on('message', (m) => this.onMessage(m));
    // The SDK's store keeps each message current (edits, deletes, reactions, pins, own and
    // others'); a message the page shows takes each new state from it.
    c.store.on('update', ({ message }) => this.onStored(message));
    c.on('refetch', ({ conv }) => void this.reload(conv));
    c.on('gap', ({ conv, after, before }) => void this.fillGap(conv, after, before));
    c.on('typing', ({ conv, user }) => this.onTyping(conv, user));
    c.on('read', ({ conv, user, seq }) => this.onRead(conv, user, seq));
    c.on('presence', ({ user, online }) => {
      this.presence.set(user, online);
      this.emit({ what: 'presence' });
    });
    c.on('joined', ({ room, user }) => this.onMembership(room, user, true));
    c.on('left', ({ room, user }) => this.onMembership(room, user, false));
    c.on('state', (s) => {
      this.state = s;
      this.emit({ what: 'connection' });
    });
    c.on('outbox', () => this.emit({ what: 'connection' }));
    document.addEventListener('visibilitychange', () => this.markShownRead());
  }

  get me(): string {
    return this.client.user ?? '';
  }

  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(change: Change): void {
    for (const fn of this.listeners) fn(change);
  }

  /** Connects; rejects (NatterClientError) when the server refuses the credentials. */
  async start(): Promise<void> {
    await this.client.connect();
  }

  stop(): void {
    this.client.close();
  }

  conv(id: string): Conv {
    let c = this.convs.get(id);
    if (!c) {
      c = new Conv(id, () => this.me);
      this.convs.set(id, c);
      if (c.kind === 'dm') this.watch([c.name]);
    }
    return c;
  }

  // ---- events ----

  private onHello(h: HelloResult): void {
    const first = !this.ready;
    this.ready = true;
    for (const s of h.convs) {
      const c = this.conv(s.conv);
      // Conversations this client already follows get what they missed as replayed
      // messages (the SDK's `since`); raising the mark here would drop them. New ones start
      // at their latest seq and ver: their past is loaded with `history` when opened (in its
      // current state), and a reconnect replays the changes made after this hello.
      if (this.client.lastSeq(s.conv) === undefined) this.client.advanceSeq(s.conv, s.seq, s.ver);
      c.seq = Math.max(c.seq, s.seq);
      c.read = Math.max(c.read, s.read);
    }
    this.emit({ what: 'list' });
    void this.refreshRooms();
    if (first && this.current) void this.open(this.current);
    this.markShownRead();
  }

  private onMessage(m: MessageView): void {
    const c = this.conv(m.conv);
    c.put(fromView(m));
    c.typing.delete(m.from);
    if (m.from === this.me && m.seq > c.read) c.read = m.seq; // sent from another of my sessions
    this.markRead(m.conv);
    this.emit({ what: 'conv', conv: m.conv });
    this.emit({ what: 'list' });
  }

  private onStored(m: MessageView): void {
    const c = this.convs.get(m.conv);
    const shown = c?.messages.get(keyOf(m));
    if (!c || !shown || (shown.ver ?? 0) > m.ver) return;
    // My own send's state has no mentions (the result does not carry them): keep mine.
    const mentions = m.mentions ?? (m.text === shown.text ? shown.mentions : undefined);
    c.put({ ...fromView(m), mentions, order: shown.order });
    this.emit({ what: 'conv', conv: m.conv });
    this.emit({ what: 'list' });
  }

  /** Too much changed while away (`refetch`): read the conversation again from its newest page. */
  private async reload(conv: string): Promise<void> {
    const c = this.convs.get(conv);
    if (!c?.loaded) return;
    c.messages.clear();
    c.loaded = false;
    c.more = true;
    if (this.current === conv) await this.open(conv);
  }

  private async fillGap(conv: string, after: number, before: number): Promise<void> {
    const c = this.convs.get(conv);
    if (!c?.loaded) return; // loaded from its newest page when opened
    for (let from = after; from < before - 1; ) {
      const page = await this.client.history(conv, { after: from, limit: 200 }).catch(() => undefined);
      if (!page) return;
      for (const m of page.messages) if (m.seq < before) c.put(fromView(m));
      if (!page.more || page.messages.length === 0) break;
      from = page.messages[page.messages.length - 1]!.seq;
    }
    this.emit({ what: 'conv', conv });
  }

  private onTyping(conv: string, user: string): void {
    if (user === this.me) return;
    this.conv(conv).typing.set(user, Date.now() + TYPING_SHOWN_MS);
    this.emit({ what: 'typing', conv });
    setTimeout(() => this.emit({ what: 'typing', conv }), TYPING_SHOWN_MS + 50);
  }

  private onRead(conv: string, user: string, seq: number): void {
    const c = this.conv(conv);
    if (user !== this.me) return; // the peer's markers: receipts.ts
    c.read = Math.max(c.read, seq);
    this.emit({ what: 'conv', conv });
    this.emit({ what: 'list' });
  }

  private onMembership(room: string, user: string, joined: boolean): void {
    const id = `room:${room}`;
    if (user === this.me) {
      if (joined) this.conv(id);
      else {
        this.convs.delete(id);
        if (this.current === id) this.current = undefined;
      }
      this.emit({ what: 'list' });
      return;
    }
    const c = this.convs.get(id);
    if (!c?.members) return;
    c.members = joined ? [...new Set([...c.members, user])].sort() : c.members.filter((u) => u !== user);
    if (joined) this.watch([user]);
    this.emit({ what: 'members', conv: id });
  }

  // ---- actions ----

  /** Shows a conversation: loads its newest page once, its members, and marks it read. */
  async open(id: string): Promise<void> {
    this.current = id;
    const c = this.conv(id);
    this.emit({ what: 'list' });
    this.emit({ what: 'conv', conv: id });
    if (!this.ready) return;
    if (!c.loaded && !c.loading) {
      c.loading = true;
      try {
        const page = await this.client.history(id, { limit: PAGE });
        for (const m of page.messages) c.put(fromView(m));
        c.more = page.more;
        c.loaded = true;
        const newest = page.messages[page.messages.length - 1];
        if (newest) this.client.advanceSeq(id, newest.seq);
      } catch (err) {
        // A conversation with no message yet (a new DM) has no history to show.
        if (!(err instanceof NatterClientError && (err.code === 'not_found' || err.code === 'forbidden')))
          throw err;
        c.loaded = true;
        c.more = false;
      } finally {
        c.loading = false;
      }
      this.emit({ what: 'conv', conv: id });
    }
    if (c.kind === 'room' && !c.members) void this.loadMembers(id);
    this.markRead(id);
  }

  /** Loads the page before the oldest loaded message; false when there is nothing more. */
  async loadOlder(id: string): Promise<boolean> {
    const c = this.conv(id);
    if (!c.loaded || !c.more || c.loading) return false;
    const before = c.oldestSeq();
    if (before === undefined || before <= 1) {
      c.more = false;
      return false;
    }
    c.loading = true;
    try {
      const page = await this.client.history(id, { before, limit: PAGE });
      for (const m of page.messages) c.put(fromView(m));
      c.more = page.more && page.messages.length > 0;
    } finally {
      c.loading = false;
    }
    this.emit({ what: 'conv', conv: id });
    return true;
  }

  async loadMembers(id: string): Promise<void> {
    const c = this.conv(id);
    const members = await this.client.members(c.name).catch(() => undefined);
    if (!members) return;
    c.members = members.map((m) => m.user).sort();
    for (const m of members) this.presence.set(m.user, m.online);
    this.watch(c.members.slice(0, 500));
    this.emit({ what: 'members', conv: id });
    this.emit({ what: 'presence' });
  }

  private watch(users: string[]): void {
    const fresh = users.filter((u) => u !== this.me && !this.watched.has(u));
    if (fresh.length === 0 || this.watched.size + fresh.length > 1000) return;
    for (const u of fresh) this.watched.add(u);
    this.client.watch(fresh).then(
      (presence) => {
        for (const p of presence) this.presence.set(p.user, p.online);
        this.emit({ what: 'presence' });
      },
      () => {
        for (const u of fresh) this.watched.delete(u);
      },
    );
  }

  private async refreshRooms(): Promise<void> {
    const rooms: RoomView[] | undefined = await this.client.rooms().catch(() => undefined);
    if (!rooms) return;
    for (const r of rooms) {
      const c = this.conv(`room:${r.room}`);
      c.private = r.private;
      c.role = r.role;
      c.seq = Math.max(c.seq, r.seq);
    }
    this.emit({ what: 'list' });
  }

  /** The conversation and the thread on screen: their read markers follow what is shown. */
  private markShownRead(): void {
    if (this.current) this.markRead(this.current);
    if (this.thread) this.markRead(this.thread);
  }

  /**
   * Moves my read marker to the newest message of a conversation on screen (the current
   * one, or the thread in the side pane), if the page is visible (debounced).
   */
  markRead(id: string): void {
    if (document.visibilityState !== 'visible' || (this.current !== id && this.thread !== id)) return;
    const c = this.convs.get(id);
    if (!c || c.seq <= c.read) return;
    clearTimeout(this.readTimers.get(id));
    this.readTimers.set(
      id,
      setTimeout(() => {
        this.readTimers.delete(id);
        const seq = c.seq;
        if (seq <= c.read) return;
        c.read = seq;
        this.client.read(id, seq).catch(() => undefined);
        this.emit({ what: 'list' });
      }, 150),
    );
  }

  async join(room: string): Promise<string> {
    const r = await this.client.join(room);
    const id = `room:${r.room}`;
    const c = this.conv(id);
    c.seq = Math.max(c.seq, r.seq);
    if (this.client.lastSeq(id) === undefined) this.client.advanceSeq(id, r.seq);
    void this.refreshRooms();
    return id;
  }

  async create(room: string, isPrivate: boolean): Promise<string> {
    await this.client.create(room, { private: isPrivate });
    const id = `room:${room}`;
    const c = this.conv(id);
    c.private = isPrivate;
    c.loaded = true;
    c.more = false;
    if (this.client.lastSeq(id) === undefined) this.client.advanceSeq(id, 0);
    this.emit({ what: 'list' });
    return id;
  }

  async invite(id: string, user: string): Promise<void> {
    await this.client.invite(peerOf(id, this.me), user);
  }

  async leave(id: string): Promise<void> {
    await this.client.leave(peerOf(id, this.me));
    this.convs.delete(id);
    if (this.current === id) this.current = undefined;
    this.emit({ what: 'list' });
  }

  /** The direct conversation with `user` (created by its first message). */
  dm(user: string): string {
    const id = dmConv(this.me, user);
    this.conv(id);
    return id;
  }

  publicRooms(prefix: string): Promise<RoomView[]> {
    return this.client.rooms({ public: true, prefix: prefix || undefined, limit: 50 });
  }

  totalUnread(): number {
    let n = 0;
    for (const c of this.convs.values()) n += c.unread();
    return n;
  }

  /** Conversations for the sidebar: rooms and DMs, most recent activity first. */
  list(kind: 'room' | 'dm'): Conv[] {
    return [...this.convs.values()]
      .filter((c) => kindOf(c.id) === kind)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
