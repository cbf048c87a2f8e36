import {
  type ConvSummary,
  dmPeer,
  isoTime,
  MAX_PINS,
  MAX_REACTIONS,
  type MessageView,
  NatterError,
  parseConv,
  REACTION_USERS,
  type ReceiptsResult,
} from '@natter/protocol';
import { messageNotFound as notFound } from './authorize.ts';
import { newMid } from './ids.ts';
import type {
  AppendInput,
  AppendResult,
  ChangeInput,
  ChangeResult,
  ChangesOptions,
  ChangesResult,
  ConvsQuery,
  MessageStore,
  QueryOptions,
  QueryResult,
  RootChange,
} from './store.ts';
import { listed, THREAD_USERS } from './threads.ts';

/** A stored message with what only the store sees. */
interface Stored {
  view: MessageView;
  createdVer: number;
  editVer?: number;
  /** (emoji, user) in the order they were added. */
  reactions: { emoji: string; user: string }[];
}

interface Conv {
  messages: Stored[];
  ver: number;
}

/**
 * MessageStore in process memory, for unit tests and single-node mode without a database.
 * Every method runs synchronously inside its promise, so each one is atomic.
 */
export class MemoryMessageStore implements MessageStore {
  /** conv -> its messages (a message's index is seq - 1) and latest ver. */
  private readonly convsById = new Map<string, Conv>();
  /** `${from}\n${cid}` -> the first message stored for it (user ids never contain '\n'). */
  private readonly byCid = new Map<string, Stored>();
  /**
   * user -> the DM conversations with at least one message that the user is in, and the
   * threads the user wrote or was mentioned in.
   */
  private readonly dms = new Map<string, Set<string>>();
  /** `${user}\n${conv}` -> read marker. */
  private readonly markers = new Map<string, number>();
  /** `${user}\n${conv}` -> delivery marker as stored (readers take the greater of it and read). */
  private readonly delivered = new Map<string, number>();

  async append(msg: AppendInput): Promise<AppendResult> {
    const key = `${msg.from}\n${msg.cid}`;
    const first = this.byCid.get(key);
    if (first) return { stored: structuredClone(first.view), duplicate: true };
    const root = msg.thread && this.threadRoot(msg.thread);

    let conv = this.convsById.get(msg.conv);
    if (!conv) {
      conv = { messages: [], ver: 0 };
      this.convsById.set(msg.conv, conv);
      const parsed = parseConv(msg.conv);
      if (parsed?.kind === 'dm' && !parsed.thread) for (const u of parsed.users) this.dmSet(u).add(msg.conv);
    }
    conv.ver++;
    const view: MessageView = {
      conv: msg.conv,
      seq: conv.messages.length + 1,
      mid: newMid(),
      from: msg.from,
      ts: isoTime(),
      ver: conv.ver,
      cid: msg.cid,
    };
    if (msg.text !== undefined) view.text = msg.text;
    if (msg.attachments !== undefined) view.attachments = structuredClone(msg.attachments);
    if (msg.reply !== undefined) view.reply = { ...msg.reply };
    if (msg.mentions?.length) view.mentions = [...msg.mentions];
    const stored: Stored = { view, createdVer: conv.ver, reactions: [] };
    conv.messages.push(stored);
    this.byCid.set(key, stored);
    if (root) for (const u of [msg.from, ...(msg.mentions ?? [])]) this.dmSet(u).add(msg.conv);
    // A sender has read what it sent.
    const marker = `${msg.from}\n${msg.conv}`;
    this.markers.set(marker, Math.max(this.markers.get(marker) ?? 0, view.seq));
    const result: AppendResult = { stored: structuredClone(view), duplicate: false };
    if (root && msg.thread) result.root = this.reply(root, msg.thread, view);
    return result;
  }

  /** The root a thread message needs (checked before anything changes), or `not_found`. */
  private threadRoot(t: { parent: string; seq: number }): { conv: Conv; root: Stored } {
    const conv = this.convsById.get(t.parent);
    const root = conv?.messages[t.seq - 1];
    if (!conv || !root) {
      throw new NatterError('not_found', `to: no message ${t.seq} in ${t.parent} to start a thread at`);
    }
    return { conv, root };
  }

  /** The root's summary after reply `m`: a change of the root, with the parent's next ver. */
  private reply(
    at: { conv: Conv; root: Stored },
    t: { parent: string; seq: number },
    m: MessageView,
  ): RootChange {
    const v = at.root.view;
    const users = v.thread?.users ?? [];
    v.thread = {
      replies: (v.thread?.replies ?? 0) + 1,
      last: m.ts,
      users: users.includes(m.from) || users.length >= THREAD_USERS ? users : [...users, m.from],
    };
    v.ver = ++at.conv.ver;
    return { conv: t.parent, seq: t.seq, ver: v.ver, thread: structuredClone(v.thread) };
  }

  async message(conv: string, seq: number): Promise<MessageView | undefined> {
    const m = this.convsById.get(conv)?.messages[seq - 1];
    return m && structuredClone(m.view);
  }

  async change(input: ChangeInput): Promise<ChangeResult> {
    const conv = this.convsById.get(input.conv);
    const m = conv?.messages[input.seq - 1];
    if (!conv || !m) throw notFound(input.conv, input.seq);
    const v = m.view;
    input.check(structuredClone(v));
    const same = (ver = v.ver): ChangeResult => ({ ver, changed: false, msg: structuredClone(v) });
    if (v.deleted) {
      if (input.op === 'delete') return { ...same(), gone: true };
      if (input.op === 'unpin') return same();
      throw notFound(input.conv, input.seq);
    }
    const now = isoTime();
    let attachments: MessageView['attachments'];
    switch (input.op) {
      case 'edit':
        if (v.text === input.text) return same(m.editVer ?? v.ver);
        v.text = input.text;
        if (input.mentions.length) v.mentions = [...input.mentions];
        else delete v.mentions;
        v.edited = now;
        m.editVer = conv.ver + 1;
        break;
      case 'delete':
        attachments = v.attachments;
        for (const k of [
          'text',
          'attachments',
          'reply',
          'mentions',
          'reactions',
          'pinned',
          'edited',
        ] as const)
          delete v[k];
        v.deleted = now;
        m.reactions = [];
        for (const other of conv.messages) {
          if (other.view.reply?.seq === v.seq) other.view.reply.preview = '';
        }
        break;
      case 'react':
      case 'unreact': {
        const at = m.reactions.findIndex((r) => r.emoji === input.emoji && r.user === input.user);
        if (input.op === 'react') {
          if (at >= 0) return same();
          const emojis = new Set(m.reactions.map((r) => r.emoji));
          if (!emojis.has(input.emoji) && emojis.size >= MAX_REACTIONS) {
            throw new NatterError('too_large', `emoji: a message carries at most ${MAX_REACTIONS} emoji`);
          }
          m.reactions.push({ emoji: input.emoji, user: input.user });
        } else {
          if (at < 0) return same();
          m.reactions.splice(at, 1);
        }
        // An emoji keeps its place while anyone still reacts with it; a new one goes last.
        const byEmoji = new Map<string, { emoji: string; count: number; users: string[] }>();
        for (const r of v.reactions ?? []) byEmoji.set(r.emoji, { emoji: r.emoji, count: 0, users: [] });
        for (const r of m.reactions) {
          let e = byEmoji.get(r.emoji);
          if (!e) {
            e = { emoji: r.emoji, count: 0, users: [] };
            byEmoji.set(r.emoji, e);
          }
          e.count++;
          if (e.users.length < REACTION_USERS) e.users.push(r.user);
        }
        for (const [emoji, r] of byEmoji) if (r.count === 0) byEmoji.delete(emoji);
        if (byEmoji.size) v.reactions = [...byEmoji.values()];
        else delete v.reactions;
        break;
      }
      case 'pin':
        if (v.pinned) return same();
        if (conv.messages.filter((x) => x.view.pinned).length >= MAX_PINS) {
          throw new NatterError(
            'too_large',
            `seq: a conversation has at most ${MAX_PINS} pins; unpin one first`,
          );
        }
        v.pinned = { by: input.user, ts: now };
        break;
      case 'unpin':
        if (!v.pinned) return same();
        delete v.pinned;
        break;
    }
    v.ver = ++conv.ver;
    const result: ChangeResult = { ver: v.ver, changed: true, msg: structuredClone(v) };
    if (attachments) result.attachments = attachments;
    return result;
  }

  async changes(conv: string, opts: ChangesOptions): Promise<ChangesResult> {
    const c = this.convsById.get(conv);
    if (!c) return { changes: [], ver: 0, more: false };
    const found = c.messages
      .filter((m) => m.view.ver > opts.after && inSeqs(m.view.seq, opts))
      .sort((a, b) => a.view.ver - b.view.ver);
    return {
      changes: found
        .slice(0, opts.limit)
        .map((m) => ({ msg: structuredClone(m.view), fresh: m.createdVer > opts.after })),
      ver: c.ver,
      more: found.length > opts.limit,
    };
  }

  async pins(conv: string): Promise<MessageView[]> {
    const pinned = (this.convsById.get(conv)?.messages ?? []).filter((m) => m.view.pinned);
    return pinned
      .map((m) => structuredClone(m.view))
      .sort((a, b) => (b.pinned?.ts ?? '').localeCompare(a.pinned?.ts ?? '') || b.seq - a.seq);
  }

  async query(conv: string, opts: QueryOptions): Promise<QueryResult> {
    const list = this.convsById.get(conv)?.messages ?? [];
    const top = opts.before === undefined ? list.length : Math.max(0, Math.min(opts.before - 1, list.length));
    const views = (from: number, to: number) => list.slice(from, to).map((m) => structuredClone(m.view));
    if (opts.after !== undefined) {
      const from = Math.max(0, opts.after);
      const to = Math.min(from + opts.limit, top);
      return { messages: views(from, Math.max(from, to)), more: to < top };
    }
    const from = Math.max(0, top - opts.limit);
    return { messages: views(from, top), more: from > 0 };
  }

  async convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]> {
    const convs = new Set(rooms.map((r) => `room:${r}`));
    if (dms) for (const c of this.dms.get(user) ?? []) if (listed(c, rooms)) convs.add(c);
    return [...convs].sort(byteOrder).map((conv) => {
      const summary: ConvSummary = {
        conv,
        seq: this.convsById.get(conv)?.messages.length ?? 0,
        ver: this.convsById.get(conv)?.ver ?? 0,
        read: this.markers.get(`${user}\n${conv}`) ?? 0,
      };
      const mentions = (this.convsById.get(conv)?.messages ?? [])
        .slice(summary.read)
        .filter((m) => m.view.from !== user && m.view.mentions?.includes(user)).length;
      if (mentions > 0) summary.mentions = mentions;
      const peer = dmPeer(conv, user);
      if (peer !== undefined) {
        summary.peer = {
          received: this.receivedOf(peer, conv),
          read: this.markers.get(`${peer}\n${conv}`) ?? 0,
        };
      }
      return summary;
    });
  }

  async convsMany(items: ConvsQuery[]): Promise<ConvSummary[][]> {
    return Promise.all(items.map((q) => this.convs(q.user, q.rooms, q.dms)));
  }

  async positions(users: string[], rooms: string[]): Promise<{ conv: string; seq: number; ver: number }[]> {
    const convs = new Set(rooms.map((r) => `room:${r}`));
    for (const u of users) for (const c of this.dms.get(u) ?? []) convs.add(c);
    return [...convs]
      .map((conv) => {
        const c = this.convsById.get(conv);
        return { conv, seq: c?.messages.length ?? 0, ver: c?.ver ?? 0 };
      })
      .filter((p) => p.seq > 0);
  }

  async markRead(user: string, conv: string, seq: number): Promise<number> {
    const key = `${user}\n${conv}`;
    const clamped = Math.min(seq, this.convsById.get(conv)?.messages.length ?? 0);
    const read = Math.max(this.markers.get(key) ?? 0, clamped);
    this.markers.set(key, read);
    return read;
  }

  async markReceived(user: string, conv: string, seq: number): Promise<number | undefined> {
    const clamped = Math.min(seq, this.convsById.get(conv)?.messages.length ?? 0);
    if (clamped <= this.receivedOf(user, conv)) return undefined;
    this.delivered.set(`${user}\n${conv}`, clamped);
    return clamped;
  }

  async receipts(conv: string, seq: number, members: string[], limit: number): Promise<ReceiptsResult> {
    const users = [...new Set(members)].sort(byteOrder);
    return {
      read: users.filter((u) => (this.markers.get(`${u}\n${conv}`) ?? 0) >= seq).slice(0, limit),
      received: users.filter((u) => this.receivedOf(u, conv) >= seq).slice(0, limit),
    };
  }

  /** A user has received what they read. */
  private receivedOf(user: string, conv: string): number {
    const key = `${user}\n${conv}`;
    return Math.max(this.delivered.get(key) ?? 0, this.markers.get(key) ?? 0);
  }

  async markersOf(conv: string, users: string[]): Promise<{ read: number; received: number }[]> {
    return users.map((u) => ({
      read: this.markers.get(`${u}\n${conv}`) ?? 0,
      received: this.receivedOf(u, conv),
    }));
  }

  async latestSeq(conv: string): Promise<number> {
    return this.convsById.get(conv)?.messages.length ?? 0;
  }

  async ping(): Promise<void> {}

  private dmSet(user: string): Set<string> {
    let set = this.dms.get(user);
    if (!set) {
      set = new Set();
      this.dms.set(user, set);
    }
    return set;
  }
}

function inSeqs(seq: number, opts: ChangesOptions): boolean {
  if (opts.maxSeq === undefined || seq <= opts.maxSeq) return true;
  return opts.newAfter !== undefined && seq > opts.newAfter;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
