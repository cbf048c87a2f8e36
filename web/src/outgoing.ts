import { type Attachment, newCid } from '@natter/client';
import type { Chat } from './chat.ts';
import { targetFor } from './convs.ts';
import { mentionsIn } from './mentions.ts';
import { fromView, pendingMessage } from './store.ts';

const TYPING_SEND_EVERY_MS = 2500;

/**
 * What the page sends for its chat: messages, shown at once as pending and retried by the SDK
 * until stored (a failed one can be sent again), and typing notices, at most one per
 * TYPING_SEND_EVERY_MS per conversation.
 */
export class Outgoing {
  private readonly lastTypingSent = new Map<string, number>();

  constructor(private readonly chat: Chat) {}

  /** Sends text and/or attachments; the message shows at once and is retried until stored. */
  send(id: string, body: { text?: string; attachments?: Attachment[]; reply?: number }): void {
    const c = this.chat.conv(id);
    const cid = newCid();
    const to = body.reply === undefined ? undefined : c.bySeq(body.reply);
    const reply = to && {
      seq: body.reply!,
      from: to.from,
      preview: [...(to.text ?? '')].slice(0, 100).join(''),
    };
    const pending = pendingMessage(id, this.chat.me, cid, body.text, body.attachments, reply);
    if (body.text) pending.mentions = mentionsIn(body.text, c.kind === 'room' ? (c.members ?? []) : [c.name]);
    c.put(pending);
    this.lastTypingSent.delete(id);
    this.chat.emit({ what: 'conv', conv: id });
    this.chat.client.send(targetFor(id, this.chat.me), { ...body, cid }).then(
      (r) => {
        // A new DM gets its conversation id from the server: the same one we computed.
        const conv = this.chat.conv(r.conv);
        const stored = this.chat.client.store.get(r.conv, r.seq);
        conv.put(
          stored
            ? { ...fromView(stored), mentions: stored.mentions ?? pending.mentions, order: pending.order }
            : { ...pending, conv: r.conv, seq: r.seq, mid: r.mid, ts: r.ts, status: 'stored' },
        );
        if (r.seq > conv.read && r.seq === conv.seq) conv.read = r.seq;
        this.chat.markRead(r.conv);
        this.chat.emit({ what: 'conv', conv: r.conv });
        this.chat.emit({ what: 'list' });
      },
      (err: unknown) => {
        c.put({ ...pending, status: 'failed', error: err instanceof Error ? err.message : String(err) });
        this.chat.emit({ what: 'conv', conv: id });
      },
    );
  }

  /** Sends a failed message again (a new cid: the first attempt was not stored). */
  retry(id: string, key: string): void {
    const c = this.chat.conv(id);
    const m = c.messages.get(key);
    if (m?.status !== 'failed') return;
    c.messages.delete(key);
    this.send(id, { text: m.text, attachments: m.attachments, reply: m.reply?.seq });
  }

  typing(id: string): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(id) ?? 0) < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent.set(id, now);
    this.chat.client.typing(targetFor(id, this.chat.me));
  }
}
