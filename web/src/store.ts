import type { Attachment, MessageView, ReplyView } from '@natter/client';
import { type ConvKind, kindOf, peerOf } from './convs.ts';

/**
 * A message as the page shows it: stored (has seq) or one of ours still on its way. The
 * lifecycle's fields (protocol 1.1: `ver`, `reply`, `mentions`, `edited`, `deleted` for a
 * tombstone, `reactions`, `pinned`) are the SDK's, as its store last had them.
 */
export interface ChatMessage
  extends Partial<
    Pick<MessageView, 'ver' | 'reply' | 'mentions' | 'edited' | 'deleted' | 'reactions' | 'pinned' | 'thread'>
  > {
  /** Stable across pending -> stored: `<from>/<cid>` when there is a cid, else the mid. */
  key: string;
  conv: string;
  from: string;
  ts: string;
  seq?: number;
  mid?: string;
  cid?: string;
  text?: string;
  attachments?: Attachment[];
  status: 'stored' | 'pending' | 'failed';
  error?: string;
  /** Local order for messages without a seq. */
  order: number;
}

let nextOrder = 0;

export function keyOf(m: { from: string; cid?: string; mid?: string }): string {
  return m.cid ? `${m.from}/${m.cid}` : `mid/${m.mid}`;
}

export function fromView(m: MessageView): ChatMessage {
  return { ...m, key: keyOf(m), status: 'stored', order: nextOrder++ };
}

export function pendingMessage(
  conv: string,
  from: string,
  cid: string,
  text?: string,
  attachments?: Attachment[],
  reply?: ReplyView,
): ChatMessage {
  return {
    key: keyOf({ from, cid }),
    conv,
    from,
    cid,
    ts: new Date().toISOString(),
    text,
    attachments,
    reply,
    status: 'pending',
    order: nextOrder++,
  };
}

/** What the page knows of one conversation. */
export class Conv {
  readonly kind: ConvKind;
  /** Latest seq known (hello, events, history). */
  seq = 0;
  /** My read marker. */
  read = 0;
  /** DMs: the other user's read marker (hello's `peer`, then `read` events; see receipts.ts). */
  peerRead = 0;
  /** DMs: how far the other user has the conversation on a device (hello's `peer`, then `received`). */
  peerReceived = 0;
  private: boolean | undefined;
  /** My role in a room (from the rooms list): an owner or admin may delete anyone's message. */
  role: 'owner' | 'admin' | 'member' | undefined;
  readonly messages = new Map<string, ChatMessage>();
  /** A newest page has been loaded (or the conversation is known to be empty). */
  loaded = false;
  /** History holds messages older than the oldest loaded. */
  more = true;
  loading = false;
  /** Users typing, with when their indicator expires. */
  readonly typing = new Map<string, number>();
  members: string[] | undefined;

  /** `whoAmI` is asked each time: with a token, the user is known only after the first hello. */
  constructor(
    readonly id: string,
    private readonly whoAmI: () => string,
  ) {
    this.kind = kindOf(id);
  }

  get me(): string {
    return this.whoAmI();
  }

  get name(): string {
    return peerOf(this.id, this.me);
  }

  /** Adds or replaces a message; true when it is new. Stored beats pending for one key. */
  put(m: ChatMessage): boolean {
    const old = this.messages.get(m.key);
    if (old?.status === 'stored' && m.status !== 'stored') return false;
    this.messages.set(m.key, old ? { ...m, order: old.order } : m);
    if (m.seq !== undefined && m.seq > this.seq) this.seq = m.seq;
    return !old;
  }

  /** Oldest first; messages without a seq (on their way) last, in the order they were written. */
  sorted(): ChatMessage[] {
    return [...this.messages.values()].sort((a, b) => {
      const sa = a.seq ?? Number.POSITIVE_INFINITY;
      const sb = b.seq ?? Number.POSITIVE_INFINITY;
      return sa !== sb ? sa - sb : a.order - b.order;
    });
  }

  oldestSeq(): number | undefined {
    let min: number | undefined;
    for (const m of this.messages.values())
      if (m.seq !== undefined && (min === undefined || m.seq < min)) min = m.seq;
    return min;
  }

  /** Messages from others after my read marker (a conversation not loaded yet counts by seq). */
  unread(): number {
    if (this.kind === 'thread') return 0; // replies are read in the thread pane, not counted in the sidebar
    let own = 0;
    for (const m of this.messages.values())
      if (m.from === this.me && m.seq !== undefined && m.seq > this.read) own++;
    return Math.max(0, this.seq - this.read - own);
  }

  /** Unread messages from others that mention me (of those loaded or delivered this session). */
  unreadMentions(): number {
    let n = 0;
    for (const m of this.messages.values())
      if (m.from !== this.me && m.seq !== undefined && m.seq > this.read && m.mentions?.includes(this.me))
        n++;
    return n;
  }

  /** The loaded message with this seq. */
  bySeq(seq: number): ChatMessage | undefined {
    for (const m of this.messages.values()) if (m.seq === seq) return m;
    return undefined;
  }

  typingUsers(now = Date.now()): string[] {
    const users: string[] = [];
    for (const [u, until] of this.typing) {
      if (until > now) users.push(u);
      else this.typing.delete(u);
    }
    return users;
  }

  /** The last time anything happened here, for sorting the list. */
  lastActivity(): string {
    let ts = '';
    for (const m of this.messages.values()) if (m.ts > ts) ts = m.ts;
    return ts;
  }
}
