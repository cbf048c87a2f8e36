import type {
  HelloResult,
  HistoryResult,
  InviteView,
  MessageView,
  PresenceView,
  ReceiptsResult,
  Results,
  RoomView,
  SendResult,
  Since,
} from '@natter/protocol';
import { Changes } from './changes.ts';
import { newCid } from './cid.ts';
import type { Listener } from './emitter.ts';
import { Emitter } from './emitter.ts';
import { closedError } from './errors.ts';
import type { ClientEvents, ConnectionState } from './events.ts';
import { MessageStore } from './message-store.ts';
import type {
  CreateResult,
  HistoryOptions,
  JoinResult,
  MemberView,
  OpName,
  OpParams,
  OpResult,
  RoomsOptions,
  SendBody,
} from './ops.ts';
import type { NatterClientOptions, ResolvedOptions } from './options.ts';
import { resolveOptions } from './options.ts';
import { Outbox } from './outbox.ts';
import { sentMessage } from './own-send.ts';
import { ReceivedSender } from './received.ts';
import { SeqTracker } from './seq-tracker.ts';
import { Session } from './session.ts';
import type { Target } from './targets.ts';
import { type OpenedThread, type ThreadConv, threadOf } from './threads.ts';
import { Watchlist } from './watchlist.ts';

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the client's `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

/**
 * A Natter client: one logical session that survives reconnects.
 *
 * - Requests made while not connected wait for the connection (within their timeout).
 * - `message` events come once per `seq` and in order per conversation; after a reconnect
 *   the `hello` carries `since`, so the server replays what was missed (`gap` where it
 *   could not, for the app to page with `history`).
 * - `send` goes through an outbox: it survives disconnects and `unavailable`, retried with
 *   the same `cid` (the server stores it once), in order per target. So do edits,
 *   deletes, reactions and pins (in order per conversation; the same change again changes
 *   nothing), each settled once.
 *
 * @example
 * const client = new NatterClient({ url: 'wss://chat.example.com/ws', token: getToken });
 * client.on('message', (m) => render(m));
 * await client.connect();
 * await client.send('room:general', { text: 'hi' });
 */
export class NatterClient {
  private readonly opts: ResolvedOptions;
  private readonly events = new Emitter<ClientEvents>();
  private readonly seqs: SeqTracker;
  private readonly outbox: Outbox;
  private readonly changes: Changes;
  private readonly session: Session;
  private readonly received: ReceivedSender;
  private readonly watchlist: Watchlist;
  /**
   * The current state of every message this client has seen: live ones, its own sends,
   * history pages, and every change (others' and its own), applied in `ver` order. It is
   * updated before the app's `message` and `change` listeners run.
   */
  readonly store = new MessageStore();

  /** Throws TypeError for bad options (no WebSocket constructor, a URL that is not ws:// or wss://, ...). */
  constructor(options: NatterClientOptions) {
    this.opts = resolveOptions(options);
    this.seqs = new SeqTracker(this.opts.since);
    this.events.on('message', (m) => this.store.put(m));
    this.events.on('change', (c) => this.store.apply(c));
    this.outbox = new Outbox({
      transmit: (job, attempt) =>
        this.session
          .requestNow(job.op, job.params as OpParams<typeof job.op>, this.opts.requestTimeoutMs)
          .then((r) =>
            job.op === 'send'
              ? this.ownSend(r as SendResult, job.params as OpParams<'send'>)
              : this.changes.sent(job, attempt, r),
          ),
      isOpen: () => this.session.isLive(),
      onChange: (event) => this.events.emit('outbox', event),
      backoff: this.opts.reconnect,
    });
    this.changes = new Changes({
      outbox: this.outbox,
      seqs: this.seqs,
      store: this.store,
      user: () => this.user,
      closed: () => this.session.closed,
      reread: (conv, seq) => {
        this.history(conv, { after: seq - 1, limit: 1 }).catch(() => {});
      },
    });
    this.received = new ReceivedSender({
      send: (conv, seq) => this.session.notify({ op: 'received', conv, seq }),
    });
    this.watchlist = new Watchlist({
      events: this.events,
      watchNow: (users) => this.session.requestNow('watch', { users }, this.opts.requestTimeoutMs),
      closed: () => this.session.closed,
    });
    this.session = new Session(this.opts, this.events, this.seqs, {
      onOpen: (reconnected) => {
        this.outbox.resume();
        this.received.resume();
        if (reconnected) this.watchlist.rewatch();
      },
      onShutdown: (makeError) => {
        this.outbox.failAll(makeError('send'));
        this.received.stop();
      },
      isOwnPending: (m) => m.cid !== undefined && m.from === this.user && this.outbox.has(m.cid),
    });
    // What the app was given counts as delivered; one's own messages need no receipt.
    if (this.opts.sendReceived) {
      this.events.on('message', (m) => {
        if (m.from !== this.user) this.received.delivered(m.conv, m.seq);
      });
    }
  }

  // ---- state ----

  /** `connecting`, `open`, `reconnecting` or `closed`. */
  get state(): ConnectionState {
    return this.session.state;
  }

  /** The user of the session (from hello's result; the open-mode name before it). */
  get user(): string | undefined {
    return this.session.hello?.user ?? this.opts.user;
  }

  /** The HTTP API credential: hello's `token`, or the last one sent with `refresh`. */
  get token(): string | undefined {
    return this.session.token;
  }

  /** The latest hello result (session id, gateway, conversations with their latest seq and read marker). */
  get helloResult(): HelloResult | undefined {
    return this.session.hello;
  }

  /** Number of sends and changes without a result yet (the outbox). */
  get pending(): number {
    return this.outbox.size;
  }

  /** The highest seq delivered (or declared with `advanceSeq`) for `conv`. */
  lastSeq(conv: string): number | undefined {
    return this.seqs.get(conv);
  }

  /** The highest `ver` applied (or declared with `advanceSeq`) for `conv`; undefined before any. */
  lastVer(conv: string): number | undefined {
    return this.seqs.getVer(conv);
  }

  /** Where the client stands, as the next `hello`'s `since`: persist it to resume after a cold start. */
  since(): Record<string, Since> {
    return this.seqs.since();
  }

  /**
   * Declares that the app holds every message of `conv` up to `seq` (e.g. after loading
   * `history`), and with `ver` every change up to it (e.g. the `convs` entry of the hello
   * it synced to): the next reconnect asks only for later ones, and events at or below
   * them are dropped. Never lowers a mark.
   */
  advanceSeq(conv: string, seq: number, ver?: number): void {
    this.seqs.advance(conv, seq, ver);
  }

  // ---- events ----

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  /** Subscribes to the next occurrence of an event only. */
  once<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.once(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): void {
    this.events.off(event, listener);
  }

  // ---- lifecycle ----

  /**
   * Starts connecting (and reconnecting, for as long as the client runs). Resolves with
   * the hello result once a session is open; rejects if the client is closed first or
   * the server refuses for good (e.g. `unauthenticated` with a fixed token). With
   * `timeoutMs`, a client that has no session by then is closed and the promise rejects
   * with `timeout`. Calling it again after `close()` starts over.
   */
  connect(options: { timeoutMs?: number } = {}): Promise<HelloResult> {
    return this.session.connect(options);
  }

  /**
   * Closes the connection and stops reconnecting. Every pending request and outbox send
   * fails with `closed`; later requests fail at once until `connect()` is called again.
   */
  close(): void {
    this.session.close();
  }

  // ---- requests ----

  /** Sends a message (an outbox entry: see the class comment); resolves with its stored seq. */
  send(to: Target, body: SendBody): Promise<SendResult> {
    if (this.session.closed) return Promise.reject(closedError('send'));
    const params: OpParams<'send'> = { to, cid: body.cid ?? newCid() };
    if (body.text !== undefined) params.text = body.text;
    if (body.attachments !== undefined) params.attachments = body.attachments;
    if (body.reply !== undefined) params.reply = body.reply;
    return this.outbox.send(params);
  }

  // Lifecycle (protocol 1.1): outbox jobs (see the class comment), each resolved once the
  // change is stored, and applied to `store` then (the server does not echo a change to
  // the session that made it). `change` events bring other sessions' changes.

  /** Replaces the text of your own message. */
  edit(conv: string, seq: number, text: string): Promise<Results['edit']> {
    return this.changes.edit(conv, seq, text);
  }

  /** Deletes a message (yours, or any as the room's owner); `{}` when it already was. */
  delete(conv: string, seq: number): Promise<Results['delete']> {
    return this.changes.delete(conv, seq);
  }

  /** Adds your reaction; resolves with the conversation's `ver` after it. */
  react(conv: string, seq: number, emoji: string): Promise<number> {
    return this.changes.react('react', conv, seq, emoji);
  }

  unreact(conv: string, seq: number, emoji: string): Promise<number> {
    return this.changes.react('unreact', conv, seq, emoji);
  }

  pin(conv: string, seq: number): Promise<number> {
    return this.changes.pin('pin', conv, seq);
  }

  unpin(conv: string, seq: number): Promise<number> {
    return this.changes.pin('unpin', conv, seq);
  }

  // Threads (1.1): a thread is a conversation of its own, `thread:<conv>:<seq>`; `send`,
  // `history`, `read` and `store` take its id like any other. `thread` events announce
  // a root's new summary.

  /** Sends a reply into the thread of message `seq` of `conv` (an outbox entry, like `send`). */
  sendThread(conv: string, seq: number, body: SendBody): Promise<SendResult> {
    return this.send(threadOf(conv, seq), body);
  }

  /**
   * The thread of message `seq` of `conv`: its newest replies (into `store`), and from then
   * on its changes, kept across reconnects (`since`). An empty thread is an empty page.
   */
  async openThread(conv: string, seq: number, query: HistoryOptions = {}): Promise<OpenedThread> {
    const thread: ThreadConv = threadOf(conv, seq);
    const page = await this.history(thread, query);
    const last = page.messages.at(-1);
    if (last && query.before === undefined) {
      this.seqs.advance(thread, last.seq, Math.max(...page.messages.map((m) => m.ver ?? 0)));
    }
    const opened: OpenedThread = { ...page, conv: thread };
    const root = this.store.get(conv, seq);
    if (root) opened.root = root;
    return opened;
  }

  /** The pinned messages of a conversation, newest pin first. */
  async pins(conv: string, options?: RequestOptions): Promise<MessageView[]> {
    return (await this.request('pins', { conv }, options)).pins;
  }

  /** Joins a room (creating it, public, if it does not exist). */
  join(room: string, options?: RequestOptions): Promise<JoinResult> {
    return this.request('join', { room }, options);
  }

  /** Creates a room; `conflict` if the name is taken. */
  create(
    room: string,
    settings: { private?: boolean } = {},
    options?: RequestOptions,
  ): Promise<CreateResult> {
    return this.request('create', { room, ...settings }, options);
  }

  /** Invites a user into a (private) room you are a member of. */
  async invite(room: string, user: string, options?: RequestOptions): Promise<void> {
    await this.request('invite', { room, user }, options);
  }

  /** Your unused invitations, newest first (at most 200); each also comes live as `invited`. */
  async invites(options?: RequestOptions): Promise<InviteView[]> {
    return (await this.request('invites', {}, options)).invites;
  }

  /** Drops your invitation into `room`: it no longer lets you join (a private room). */
  async decline(room: string, options?: RequestOptions): Promise<void> {
    await this.request('decline', { room }, options);
  }

  async leave(room: string, options?: RequestOptions): Promise<void> {
    await this.request('leave', { room }, options);
  }

  /** The rooms you are in; with `{ public: true }` the public rooms instead. */
  async rooms(query: RoomsOptions = {}, options?: RequestOptions): Promise<RoomView[]> {
    return (await this.request('rooms', query, options)).rooms;
  }

  async members(room: string, options?: RequestOptions): Promise<MemberView[]> {
    return (await this.request('members', { room }, options)).members;
  }

  /** A page of a conversation's messages, oldest first, also put into `store`. Does not change `lastSeq`. */
  async history(conv: string, query: HistoryOptions = {}, options?: RequestOptions): Promise<HistoryResult> {
    const page = await this.request('history', { conv, ...query }, options);
    for (const m of page.messages) this.store.put(m);
    return page;
  }

  /** Starts presence events for these users (kept across reconnects); resolves with their presence now. */
  async watch(users: string[], options?: RequestOptions): Promise<PresenceView[]> {
    const { presence } = await this.request('watch', { users }, options);
    this.watchlist.add(users);
    return presence;
  }

  async unwatch(users: string[], options?: RequestOptions): Promise<void> {
    this.watchlist.remove(users);
    await this.request('unwatch', { users }, options);
  }

  /** Tells the others in the conversation that you are typing. Fire and forget: dropped while disconnected. */
  typing(to: Target): void {
    this.session.notify({ op: 'typing', to });
  }

  /** Moves your read marker of `conv` to `seq` (it never moves back). */
  async read(conv: string, seq: number, options?: RequestOptions): Promise<void> {
    await this.request('read', { conv, seq }, options);
  }

  /**
   * Who in `conv` has message `seq` (`received`) and has read it (`read`): members only, at
   * most 200 users each. `received` is sent for you automatically (option `sendReceived`).
   */
  receipts(conv: string, seq: number, options?: RequestOptions): Promise<ReceiptsResult> {
    return this.request('receipts', { conv, seq }, options);
  }

  /** One round trip; resolves with its duration in ms. */
  async ping(options?: RequestOptions): Promise<number> {
    const start = Date.now();
    await this.request('ping', {}, options);
    return Date.now() - start;
  }

  /**
   * Any request by op, typed: the escape hatch for ops the SDK has no method for. It
   * waits for a session like every request; `send` here bypasses the outbox.
   */
  request<O extends Exclude<OpName, 'hello'>>(
    op: O,
    params: OpParams<O>,
    options: RequestOptions = {},
  ): Promise<OpResult<O>> {
    const p = this.session.request(op, params, options.timeoutMs ?? this.opts.requestTimeoutMs);
    return op === 'send'
      ? (p as Promise<SendResult>).then((r) => this.ownSend(r, params as OpParams<'send'>) as OpResult<O>)
      : p;
  }

  /** A send result: ours, so a replay of it is not news (SeqTracker.own); the store gets it as sent. */
  private ownSend(result: SendResult, params: OpParams<'send'>): SendResult {
    if (typeof result?.conv !== 'string') return result;
    this.seqs.own(result.conv, result.seq, result.ver);
    this.store.put(sentMessage(result, params, this.user ?? '', this.store));
    return result;
  }
}
