import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';

/**
 * Runs store calls for the request handlers: a lost database becomes
 * NatterError('unavailable') (the client retries with the same cid), and the outcome of
 * every call tells readiness: not ready after a connection error, ready again after the
 * next call that succeeds.
 */
export class StoreGuard {
  private ok = true;

  constructor(
    private readonly isConnectionError: (err: unknown) => boolean,
    private readonly log: Logger,
  ) {}

  get ready(): boolean {
    return this.ok;
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      const value = await fn();
      if (!this.ok) {
        this.ok = true;
        this.log.info('history database reachable again; ready');
      }
      return value;
    } catch (err) {
      if (!this.isConnectionError(err)) throw err;
      if (this.ok) {
        this.ok = false;
        this.log.error({ err }, 'history database unreachable; answering unavailable until it returns');
      }
      throw new NatterError('unavailable', `history database is unavailable (${what}); retry later`, 1000, {
        cause: err,
      });
    }
  }
}
