import type { ConvSummary } from '@natter/client';

/** What the chat knows of each conversation: the latest seq and how far the user has read. */
export class ConvBook {
  private readonly convs = new Map<string, { seq: number; read: number }>();

  /** Takes a hello's `convs` (the first one, or a reconnect's fresher one). */
  load(convs: ConvSummary[]): void {
    for (const c of convs) {
      const known = this.convs.get(c.conv);
      this.convs.set(c.conv, {
        seq: Math.max(c.seq, known?.seq ?? 0),
        read: Math.max(c.read, known?.read ?? 0),
      });
    }
  }

  has(conv: string): boolean {
    return this.convs.has(conv);
  }

  /** Records a conversation the user just entered, with everything so far counted as read. */
  enter(conv: string, seq: number): void {
    const known = this.convs.get(conv);
    this.convs.set(conv, { seq: Math.max(seq, known?.seq ?? 0), read: Math.max(seq, known?.read ?? 0) });
  }

  forget(conv: string): void {
    this.convs.delete(conv);
  }

  /** A message arrived (or was sent) with this seq. */
  saw(conv: string, seq: number): void {
    const known = this.convs.get(conv) ?? { seq: 0, read: 0 };
    known.seq = Math.max(known.seq, seq);
    this.convs.set(conv, known);
  }

  /** Moves the read marker up to `seq`; returns true when it moved. */
  markRead(conv: string, seq: number): boolean {
    const known = this.convs.get(conv);
    if (!known || seq <= known.read) return false;
    known.read = seq;
    known.seq = Math.max(known.seq, seq);
    return true;
  }

  latest(conv: string): number {
    return this.convs.get(conv)?.seq ?? 0;
  }

  unread(conv: string): number {
    const known = this.convs.get(conv);
    return known ? Math.max(0, known.seq - known.read) : 0;
  }

  /** Every known conversation id. */
  list(): string[] {
    return [...this.convs.keys()];
  }
}
