import type {
  ChangeEvent,
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
import { REPLY_PREVIEW_CHARS } from '@natter/protocol';
import { newCid } from './cid.ts';
import type { Listener } from './emitter.ts';
import { Emitter } from './emitter.ts';
import { closedError, wrap } from './errors.ts';
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
import { ReceivedSender } from './received.ts';
import { SeqTracker } from './seq-tracker.ts';
import { Session } from './session.ts';
import type { Target } from './targets.ts';

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
 *   the same `cid` (the server stores it once), in order per target.
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
  private readonly session: Session;
  private readonly received: ReceivedSender;
  /** Users watched with `watch`, watched again on every new session. */
  private readonly watched = new Set<string>();
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
      transmit: (params) =>
        this.session
          .requestNow('send', params, this.opts.requestTimeoutMs)
          .then((r) => this.ownSend(r, params)),
      isOpen: () => this.session.isLive(),
      onChange: (event) => this.events.emit('outbox', event),
      backoff: this.opts.reconnect,
    });
    this.received = new ReceivedSender({
      send: (conv, seq) => this.session.notify({ op: 'received', conv, seq }),
    });
    this.session = new Session(this.opts, this.events, this.seqs, {
      onOpen: (reconnected) => {
        this.outbox.resume();
        this.received.resume();
        if (reconnected && this.watched.size > 0) this.rewatch();
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

  /** Number of sends without a result yet (the outbox). */
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
    return this.outbox.add(params);
  }

  // Lifecycle (protocol 1.1): each resolves after the change is stored; retrying one is
  // safe (the same edit, react or pin again changes nothing). `change` events bring
  // other sessions' changes, in `ver` order per conversation.

  // Each also applies the change to `store` (the server does not echo it to this session).

  /** Replaces the text of your own message. */
  async edit(conv: string, seq: number, text: string, options?: RequestOptions): Promise<Results['edit']> {
    const r = await this.request('edit', { conv, seq, text }, options);
    this.ownChange({ ev: 'edit', conv, seq, ver: r.ver, text, edited: r.edited, by: this.user ?? '' });
    return r;
  }

  /** Deletes a message (yours, or any as the room's owner); `{}` when it already was. */
  async delete(conv: string, seq: number, options?: RequestOptions): Promise<Results['delete']> {
    const r = await this.request('delete', { conv, seq }, options);
    if ('ver' in r) this.ownChange({ ev: 'delete', conv, seq, ver: r.ver, by: this.user ?? '' });
    return r;
  }

  /** Adds your reaction; resolves with the conversation's `ver` after it. */
  react(conv: string, seq: number, emoji: string, options?: RequestOptions): Promise<number> {
    return this.reaction('react', conv, seq, emoji, options);
  }

  unreact(conv: string, seq: number, emoji: string, options?: RequestOptions): Promise<number> {
    return this.reaction('unreact', conv, seq, emoji, options);
  }

  pin(conv: string, seq: number, options?: RequestOptions): Promise<number> {
    return this.pinning('pin', conv, seq, options);
  }

  unpin(conv: string, seq: number, options?: RequestOptions): Promise<number> {
    return this.pinning('unpin', conv, seq, options);
  }

  private async reaction(
    op: 'react' | 'unreact',
    conv: string,
    seq: number,
    emoji: string,
    options?: RequestOptions,
  ): Promise<number> {
    const before = this.seqs.getVer(conv);
    const { ver } = await this.request(op, { conv, seq, emoji }, options);
    // A react that changed nothing answers the current ver, which is not a new change.
    if (before === undefined || ver > before) {
      this.ownChange({ ev: 'reaction', conv, seq, ver, user: this.user ?? '', emoji, on: op === 'react' });
    }
    return ver;
  }

  private async pinning(
    op: 'pin' | 'unpin',
    conv: string,
    seq: number,
    options?: RequestOptions,
  ): Promise<number> {
    const before = this.seqs.getVer(conv);
    const { ver } = await this.request(op, { conv, seq }, options);
    if (before === undefined || ver > before) {
      this.ownChange({ ev: 'pin', conv, seq, ver, on: op === 'pin', by: this.user ?? '' });
    }
    return ver;
  }

  /** A change this session made: its ver is had, and the store applies it. */
  private ownChange(change: ChangeEvent): void {
    this.seqs.ownChange(change.conv, change.ver);
    this.store.apply(change);
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
    for (const u of users) this.watched.add(u);
    return presence;
  }

  async unwatch(users: string[], options?: RequestOptions): Promise<void> {
    for (const u of users) this.watched.delete(u);
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

  /**
   * A send result: the message is ours, so a replay of it is not news (SeqTracker.own),
   * and the store gets it as sent (the server computes its mentions; a later state has them).
   */
  private ownSend(result: SendResult, params: OpParams<'send'>): SendResult {
    if (typeof result?.conv !== 'string') return result;
    this.seqs.own(result.conv, result.seq, result.ver);
    const m: MessageView = {
      conv: result.conv,
      seq: result.seq,
      mid: result.mid,
      from: this.user ?? '',
      ts: result.ts,
      ver: result.ver ?? 0,
      cid: params.cid,
    };
    if (params.text !== undefined) m.text = params.text;
    if (params.attachments !== undefined) m.attachments = params.attachments;
    if (params.reply !== undefined) {
      const to = this.store.get(result.conv, params.reply);
      m.reply = {
        seq: params.reply,
        from: to?.from ?? '',
        preview: [...(to?.text ?? '')].slice(0, REPLY_PREVIEW_CHARS).join(''),
      };
    }
    this.store.put(m);
    return result;
  }

  /** Watches every watched user again on a new session, and reports their presence now. */
  private rewatch(): void {
    this.session.requestNow('watch', { users: [...this.watched] }, this.opts.requestTimeoutMs).then(
      ({ presence }) => {
        for (const p of presence) this.events.emit('presence', p);
      },
      (cause: unknown) => {
        if (!this.session.closed) {
          this.events.emit(
            'error',
            wrap('unavailable', 'watching again after reconnect failed', cause, 'watch'),
          );
        }
      },
    );
  }
}
