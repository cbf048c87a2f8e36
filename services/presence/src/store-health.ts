import type { Logger } from '@natter/log';

/**
 * Whether the presence store answered its last call. Logs only on a change of state, so an
 * outage gives one line when it starts and one when it ends, not one per request.
 */
export class StoreHealth {
  private up = false;
  private known = false;

  constructor(private readonly log: Logger) {}

  get ok(): boolean {
    return this.up;
  }

  succeeded(): void {
    if (!this.up && this.known) this.log.info('presence store reachable again; serving');
    this.up = true;
    this.known = true;
  }

  failed(err: unknown): void {
    if (this.up || !this.known) {
      this.log.error({ err }, 'presence store unreachable; answering unavailable until it is back');
    }
    this.up = false;
    this.known = true;
  }
}
