import type { Emitter } from './emitter.ts';
import { wrap } from './errors.ts';
import type { ClientEvents } from './events.ts';
import type { OpResult } from './ops.ts';

export interface WatchlistDeps {
  events: Emitter<ClientEvents>;
  /** `watch` on the live session only (Session.requestNow). */
  watchNow(users: string[]): Promise<OpResult<'watch'>>;
  closed(): boolean;
}

/**
 * The users an app watches with `watch`: the server forgets them with the session, so each
 * new session watches them again and reports their presence as `presence` events.
 */
export class Watchlist {
  private readonly users = new Set<string>();

  constructor(private readonly deps: WatchlistDeps) {}

  /** After the server answered `watch` for them. */
  add(users: string[]): void {
    for (const u of users) this.users.add(u);
  }

  /** Before `unwatch` goes out: a reconnect meanwhile does not watch them again. */
  remove(users: string[]): void {
    for (const u of users) this.users.delete(u);
  }

  /** On a new session (not the first): watches everyone again and reports their presence now. */
  rewatch(): void {
    if (this.users.size === 0) return;
    this.deps.watchNow([...this.users]).then(
      ({ presence }) => {
        for (const p of presence) this.deps.events.emit('presence', p);
      },
      (cause: unknown) => {
        if (!this.deps.closed()) {
          this.deps.events.emit(
            'error',
            wrap('unavailable', 'watching again after reconnect failed', cause, 'watch'),
          );
        }
      },
    );
  }
}
