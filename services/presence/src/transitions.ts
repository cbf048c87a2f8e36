import type { Bus } from '@natter/bus';
import { emit, type Subjects } from '@natter/contracts';
import { isoTime } from '@natter/protocol';
import type { PresenceMetrics } from './metrics.ts';
import type { WentOffline } from './store.ts';

/**
 * Announces online/offline transitions to every gateway (they filter for their watchers),
 * and tells the event log's copier (`recorded`) that the store recorded some.
 */
export class Transitions {
  constructor(
    private readonly bus: Bus,
    private readonly s: Subjects,
    private readonly metrics: PresenceMetrics,
    private readonly recorded: () => void = () => {},
  ) {}

  online(users: string[], trace: string): void {
    if (users.length) this.recorded();
    for (const user of users) {
      emit(this.bus, this.s, 'presenceChanged', { user, online: true }, trace);
    }
    this.metrics.transitions.inc({ online: 'true' }, users.length);
  }

  offline(gone: WentOffline[], trace: string): void {
    if (gone.length) this.recorded();
    for (const { user, lastSeen } of gone) {
      emit(this.bus, this.s, 'presenceChanged', { user, online: false, lastSeen: isoTime(lastSeen) }, trace);
    }
    this.metrics.transitions.inc({ online: 'false' }, gone.length);
  }
}
