import type { RpcClient, StoredMessage } from '@natter/contracts';
import type { Logger } from '@natter/log';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;
const GIVE_UP_MS = 10 * 60_000;

/**
 * Announces stored DMs to presence and retries until one presence instance says it routed
 * them. Core NATS delivery is at most once and presence may be down or cut off from Redis;
 * without this, a DM stored during such an outage would reach a live recipient only with
 * the next message of its conversation. Retries may arrive out of order: the gateways'
 * ordering edge restores seq order and drops what a session already has.
 */
export class DmAnnouncer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly rpc: RpcClient,
    private readonly log: Logger,
  ) {}

  announce(event: StoredMessage, trace: string): void {
    void this.attempt(event, trace, 0, Date.now());
  }

  private async attempt(event: StoredMessage, trace: string, tries: number, since: number): Promise<void> {
    try {
      await this.rpc.call('msgStoredDm', event, { trace });
      if (tries > 0) {
        this.log.info(
          { trace, conv: event.msg.conv, seq: event.msg.seq, tries },
          'DM announced after retries',
        );
      }
    } catch (err) {
      if (this.stopped) return;
      const where = { err, trace, conv: event.msg.conv, seq: event.msg.seq };
      if (Date.now() - since > GIVE_UP_MS) {
        this.log.error(
          where,
          'gave up announcing a DM; its recipients get it when they next sync or page history',
        );
        return;
      }
      if (tries === 0)
        this.log.warn(where, 'could not announce a DM to presence; retrying until it is routed');
      const t = setTimeout(
        () => {
          this.timers.delete(t);
          void this.attempt(event, trace, tries + 1, since);
        },
        Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** tries),
      );
      t.unref();
      this.timers.add(t);
    }
  }

  /** Pending retries are dropped: those DMs reach recipients at their next sync. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
