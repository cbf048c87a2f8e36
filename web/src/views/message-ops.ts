import { parseConv } from '@natter/protocol';
import type { Chat } from '../chat.ts';
import type { ChatMessage } from '../store.ts';
import type { MessageActions } from './message-actions.ts';
import { errorText, type Toasts } from './toasts.ts';

/**
 * The message actions of one conversation, done through the SDK: each change shows once the
 * server has stored it (the SDK's store applies it, and the row redraws from there). A
 * refusal (not the author, not the room's owner) is a toast.
 */
export function messageOps(
  chat: Chat,
  conv: string,
  toasts: Toasts,
  ui: { reply(m: ChatMessage): void; jumpTo(seq: number): void; openThread?(m: ChatMessage): void },
): MessageActions {
  const client = chat.client;
  const run = (p: Promise<unknown>) => p.catch((err: unknown) => toasts.show(errorText(err)));
  const current = (m: ChatMessage) => (m.seq === undefined ? undefined : client.store.get(conv, m.seq));
  return {
    reply: ui.reply,
    jumpTo: ui.jumpTo,
    openThread: ui.openThread,
    // Rooms and their threads (a DM shows ticks instead).
    seenBy: /^(thread:)?room:/.test(conv)
      ? async (m) => (m.seq === undefined ? [] : (await client.receipts(conv, m.seq)).read)
      : undefined,
    react(m, emoji) {
      if (m.seq === undefined) return;
      const mine = current(m)
        ?.reactions?.find((r) => r.emoji === emoji)
        ?.users.includes(chat.me);
      void run(mine ? client.unreact(conv, m.seq, emoji) : client.react(conv, m.seq, emoji));
    },
    async edit(m, text) {
      if (m.seq === undefined) return;
      try {
        await client.edit(conv, m.seq, text);
      } catch (err) {
        toasts.show(errorText(err));
        throw err;
      }
    },
    remove(m) {
      if (m.seq === undefined || !confirm('Delete this message for everyone?')) return;
      void run(client.delete(conv, m.seq));
    },
    pin(m) {
      if (m.seq === undefined) return;
      void run(current(m)?.pinned ? client.unpin(conv, m.seq) : client.pin(conv, m.seq));
    },
    // Mine, or anyone's where the rooms list says I own the room (or, once roles land, am an
    // admin there); the server decides again.
    canDelete: (m) => {
      if (m.from === chat.me) return true;
      const parsed = parseConv(conv);
      if (parsed?.kind !== 'room') return false;
      const role = chat.conv(parsed.thread?.parent ?? conv).role;
      return role === 'owner' || role === 'admin';
    },
  };
}
