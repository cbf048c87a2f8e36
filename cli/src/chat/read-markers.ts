import type { NatterClient } from '@natter/client';
import type { ConvBook } from './conv-book.ts';

/**
 * Tells the server how far the user has read, a little late, so that a burst of messages
 * makes one `read`.
 */
export class ReadMarkers {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly client: NatterClient,
    private readonly book: ConvBook,
  ) {}

  /** Moves the read marker of `conv` up to `seq` now, and on the server soon. */
  schedule(conv: string, seq: number): void {
    if (!this.book.markRead(conv, seq)) return;
    const old = this.timers.get(conv);
    if (old) clearTimeout(old);
    this.timers.set(
      conv,
      setTimeout(() => {
        this.timers.delete(conv);
        this.client.read(conv, this.book.latest(conv)).catch(() => {
          // A lost read marker only means an unread count that is too high elsewhere.
        });
      }, 300),
    );
  }

  /** Drops the markers not sent yet (the chat is ending). */
  cancel(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
