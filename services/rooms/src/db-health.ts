import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';

/**
 * Whether the store's backend is reachable, for `ready()`. Every store call reports its
 * outcome (an `unavailable` error marks it down at once, any success marks it up), and a
 * timer pings the store so the state recovers while no request comes in.
 */
export class DbHealth {
  private up = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ping: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  get ok(): boolean {
    return this.up;
  }

  /** Probes once now, then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Passes `p` through, noting whether the backend answered. */
  async track<T>(p: Promise<T>): Promise<T> {
    try {
      const out = await p;
      this.set(true);
      return out;
    } catch (err) {
      if (err instanceof NatterError && err.code === 'unavailable') this.set(false, err);
      else this.set(true);
      throw err;
    }
  }

  private async probe(): Promise<void> {
    await this.track(this.ping()).catch(() => {});
  }

  private set(up: boolean, err?: unknown): void {
    if (up === this.up) return;
    this.up = up;
    if (up) this.log.info('rooms database reachable again; serving requests');
    else this.log.error({ err }, 'rooms database unreachable; requests answer unavailable until it returns');
  }
}
