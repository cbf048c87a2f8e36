import type { BackoffOptions } from './backoff.ts';
import { backoffDelay } from './backoff.ts';
import { refreshDelayMs } from './token.ts';

export interface TokenRefresherDeps {
  /** The app's token hook. */
  fetchToken(): Promise<string>;
  /** Sends `refresh` on the live session; rejects when the server refuses or does not answer. */
  sendRefresh(token: string): Promise<unknown>;
  onRefreshed(token: string): void;
  onError(err: unknown): void;
  /** Spacing of retries after a failed refresh. */
  backoff: BackoffOptions;
}

/** Spacing added to every retry, so a failing hook is not called in a tight loop. */
const RETRY_FLOOR_MS = 1000;

/**
 * Keeps one session's credential fresh: at 80% of the current JWT's lifetime it asks the
 * hook for a new token and sends `refresh`; on failure it retries with backoff (if the
 * token expires first, the server ends the session and the reconnect brings a new token).
 * One per session: stop it when the connection ends.
 */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly deps: TokenRefresherDeps) {}

  /** Schedules the first refresh from `token`'s `exp`; does nothing for a token without one. */
  start(token: string): void {
    this.schedule(refreshDelayMs(token), 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number | undefined, attempt: number): void {
    if (delayMs === undefined || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(attempt), delayMs);
  }

  private async run(attempt: number): Promise<void> {
    try {
      const token = await this.deps.fetchToken();
      if (this.stopped) return;
      await this.deps.sendRefresh(token);
      if (this.stopped) return;
      this.deps.onRefreshed(token);
      this.start(token);
    } catch (err) {
      if (this.stopped) return;
      this.schedule(RETRY_FLOOR_MS + backoffDelay(attempt, this.deps.backoff), attempt + 1);
      this.deps.onError(err);
    }
  }
}
