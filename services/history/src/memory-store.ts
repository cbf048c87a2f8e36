import { type ConvSummary, isoTime, type MessageView, parseConv } from '@natter/protocol';
import { newMid } from './ids.ts';
import type {
  AppendInput,
  AppendResult,
  ConvsQuery,
  MessageStore,
  QueryOptions,
  QueryResult,
} from './store.ts';

/**
 * MessageStore in process memory, for unit tests and single-node mode without a database.
 * Every method runs synchronously inside its promise, so each one is atomic.
 */
export class MemoryMessageStore implements MessageStore {
  /** conv -> its messages; a message's index is seq - 1. */
  private readonly messages = new Map<string, MessageView[]>();
  /** `${from}\n${cid}` -> the first message stored for it (user ids never contain '\n'). */
  private readonly byCid = new Map<string, MessageView>();
  /** user -> the DM conversations with at least one message that the user is in. */
  private readonly dms = new Map<string, Set<string>>();
  /** `${user}\n${conv}` -> read marker. */
  private readonly markers = new Map<string, number>();

  async append(msg: AppendInput): Promise<AppendResult> {
    const key = `${msg.from}\n${msg.cid}`;
    const first = this.byCid.get(key);
    if (first) return { stored: structuredClone(first), duplicate: true };

    let list = this.messages.get(msg.conv);
    if (!list) {
      list = [];
      this.messages.set(msg.conv, list);
      const parsed = parseConv(msg.conv);
      if (parsed?.kind === 'dm') for (const u of parsed.users) this.dmSet(u).add(msg.conv);
    }
    const stored: MessageView = {
      conv: msg.conv,
      seq: list.length + 1,
      mid: newMid(),
      from: msg.from,
      ts: isoTime(),
      cid: msg.cid,
    };
    if (msg.text !== undefined) stored.text = msg.text;
    if (msg.attachments !== undefined) stored.attachments = structuredClone(msg.attachments);
    list.push(stored);
    this.byCid.set(key, stored);
    // A sender has read what it sent.
    const marker = `${msg.from}\n${msg.conv}`;
    this.markers.set(marker, Math.max(this.markers.get(marker) ?? 0, stored.seq));
    return { stored: structuredClone(stored), duplicate: false };
  }

  async query(conv: string, opts: QueryOptions): Promise<QueryResult> {
    const list = this.messages.get(conv) ?? [];
    const top = opts.before === undefined ? list.length : Math.max(0, Math.min(opts.before - 1, list.length));
    if (opts.after !== undefined) {
      const from = Math.max(0, opts.after);
      const to = Math.min(from + opts.limit, top);
      return { messages: structuredClone(list.slice(from, Math.max(from, to))), more: to < top };
    }
    const from = Math.max(0, top - opts.limit);
    return { messages: structuredClone(list.slice(from, top)), more: from > 0 };
  }

  async convs(user: string, rooms: string[], dms: boolean): Promise<ConvSummary[]> {
    const convs = new Set(rooms.map((r) => `room:${r}`));
    if (dms) for (const c of this.dms.get(user) ?? []) convs.add(c);
    return [...convs].sort(byteOrder).map((conv) => ({
      conv,
      seq: this.messages.get(conv)?.length ?? 0,
      read: this.markers.get(`${user}\n${conv}`) ?? 0,
    }));
  }

  async convsMany(items: ConvsQuery[]): Promise<ConvSummary[][]> {
    return Promise.all(items.map((q) => this.convs(q.user, q.rooms, q.dms)));
  }

  async positions(users: string[], rooms: string[]): Promise<{ conv: string; seq: number }[]> {
    const convs = new Set(rooms.map((r) => `room:${r}`));
    for (const u of users) for (const c of this.dms.get(u) ?? []) convs.add(c);
    return [...convs]
      .map((conv) => ({ conv, seq: this.messages.get(conv)?.length ?? 0 }))
      .filter((p) => p.seq > 0);
  }

  async markRead(user: string, conv: string, seq: number): Promise<number> {
    const key = `${user}\n${conv}`;
    const clamped = Math.min(seq, this.messages.get(conv)?.length ?? 0);
    const read = Math.max(this.markers.get(key) ?? 0, clamped);
    this.markers.set(key, read);
    return read;
  }

  async latestSeq(conv: string): Promise<number> {
    return this.messages.get(conv)?.length ?? 0;
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

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
