/**
 * Application-level heartbeats for clients that cannot see WebSocket pings (browsers):
 * every `intervalMs` it sends a `ping` request, and after `maxMisses` consecutive pings
 * without a reply (each given `intervalMs` to answer) it declares the connection dead.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private misses = 0;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    /** One ping round trip; rejects when no reply came in time. */
    private readonly ping: () => Promise<unknown>,
    private readonly onDead: () => void,
    private readonly maxMisses = 2,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.ping().then(
      () => {
        this.misses = 0;
      },
      () => {
        if (this.stopped) return;
        this.misses += 1;
        if (this.misses >= this.maxMisses) {
          this.stop();
          this.onDead();
        }
      },
    );
  }
}
