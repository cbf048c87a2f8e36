import type { Logger } from '@natter/log';
import { backendError, isUnavailable } from './backend-error.ts';

export interface BackendHealthOptions {
  /** The backend, as operators and clients read it: `rooms database`, `presence store`. */
  what: string;
  log: Logger;
  /** A cheap call that succeeds while the backend answers (a ping, or a periodic chore). */
  probe: () => Promise<unknown>;
  intervalMs: number;
  /**
   * Which raw rejections mean the backend is unreachable; track() turns them into
   * `unavailable`. Without it only an `unavailable` NatterError counts (the store mapped it).
   */
  isConnectionError?: (err: unknown) => boolean;
}

type State = 'unknown' | 'up' | 'down';

/**
 * Whether a service's backend is reachable, for `ready()`. Every store call goes through
 * track(): a connection error marks it down at once, any answer (even an error the backend
 * gave) marks it up. The probe runs on a timer so the state recovers while no request comes
 * in. Logs only on a change of state, so an outage gives one line when it starts and one
 * when it ends, not one per request.
 */
export class BackendHealth {
  private state: State = 'unknown';
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private readonly isConnectionError: (err: unknown) => boolean;

  constructor(private readonly opts: BackendHealthOptions) {
    this.isConnectionError = opts.isConnectionError ?? (() => false);
  }

  get ok(): boolean {
    return this.state === 'up';
  }

  /** Probes once now (so ready() is known when start() resolves), then every `intervalMs`. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a probe still running. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.probing;
  }

  /** Passes `p` through, noting whether the backend answered; connection errors become `unavailable`. */
  async track<T>(p: Promise<T>): Promise<T> {
    try {
      const out = await p;
      this.set('up');
      return out;
    } catch (err) {
      const mapped = backendError(this.opts.what, err, this.isConnectionError);
      this.set(isUnavailable(mapped) ? 'down' : 'up', err);
      throw mapped;
    }
  }

  /** Runs the probe, or joins the one already running: probes never overlap. */
  private probe(): Promise<void> {
    this.probing ??= this.track(this.opts.probe())
      .then(
        () => {},
        () => {}, // set() logged the transition; ready() carries the rest
      )
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  private set(state: 'up' | 'down', err?: unknown): void {
    const was = this.state;
    if (state === was) return;
    this.state = state;
    const { log, what } = this.opts;
    if (state === 'down')
      log.error({ err }, `${what} unreachable; requests answer unavailable until it returns`);
    else if (was === 'down') log.info(`${what} reachable again; serving requests`);
  }
}
