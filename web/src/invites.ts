import type { InviteView } from '@natter/client';
import type { Chat } from './chat.ts';

/** How many invitations the page keeps: what `invites` answers at most (INVITES_MAX). */
const KEEP = 200;

/**
 * The signed-in user's unused invitations (protocol 1.1): read with `invites` at each hello
 * (so a reload or a reconnect shows the ones sent meanwhile), added to by live `invited`
 * events, and dropped when the user joins the room (from any session) or declines.
 * `fresh` holds the ones that arrived live and were not answered yet: those get a notice.
 */
export class Invites {
  list: InviteView[] = [];
  readonly fresh = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly chat: Chat) {
    const c = chat.client;
    c.on('hello', () => void this.reload());
    c.on('invited', ({ room, by }) => {
      // Invited again: the newest inviter, first in the list.
      this.list = [{ room, by, ts: new Date().toISOString() }, ...this.list.filter((i) => i.room !== room)];
      this.list.length = Math.min(this.list.length, KEEP);
      this.fresh.add(room);
      this.changed();
    });
    c.on('joined', ({ room, user }) => {
      if (user === chat.me) this.drop(room);
    });
  }

  subscribe(fn: () => void): void {
    this.listeners.add(fn);
  }

  /** Joins the room the invitation is for; resolves to its conversation id. */
  async accept(room: string): Promise<string> {
    const id = await this.chat.join(room);
    this.drop(room);
    return id;
  }

  async decline(room: string): Promise<void> {
    await this.chat.client.decline(room);
    this.drop(room);
  }

  /** Only the notice goes: the invitation stays listed in the sidebar. */
  dismiss(room: string): void {
    if (this.fresh.delete(room)) this.changed();
  }

  private async reload(): Promise<void> {
    const list = await this.chat.client.invites().catch(() => undefined);
    if (!list) return;
    this.list = list;
    for (const room of this.fresh) if (!list.some((i) => i.room === room)) this.fresh.delete(room);
    this.changed();
  }

  private drop(room: string): void {
    const before = this.list.length + this.fresh.size;
    this.list = this.list.filter((i) => i.room !== room);
    this.fresh.delete(room);
    if (this.list.length + this.fresh.size !== before) this.changed();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}
