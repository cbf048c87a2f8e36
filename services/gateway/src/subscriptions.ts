import type { Bus, BusHandler, Subscription } from '@natter/bus';
import { eventHandler, on, type Subjects, userOfToken } from '@natter/contracts';
import type { Logger } from '@natter/log';
import { deliverRoomEvent, deliverToUser, type EventTargets } from './events.ts';
import type { Interest } from './registry.ts';

/**
 * The gateway's subject interest (the one delivery mechanism, docs/design.md): one
 * subscription to a room's subject while a member is here or a join is in flight, one to a
 * user's subject while a session of theirs is here. The Registry says when (Interest).
 */
export class Subscriptions implements Interest {
  private readonly rooms = new Map<string, Subscription>();
  private readonly users = new Map<string, Subscription>();
  /**
   * One handler for every user subject: the user is the subject's last token. A closure per
   * online user would cost memory per idle connection (bench/README.md).
   */
  private readonly userEvents: BusHandler;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly log: Logger,
    private readonly targets: EventTargets,
  ) {
    this.userEvents = eventHandler('user', log, (d, _ctx, subject) =>
      deliverToUser(targets, userOfToken(subject.slice(subject.lastIndexOf('.') + 1)), d),
    );
  }

  room(room: string, interested: boolean): void {
    follow(this.rooms, room, interested, () =>
      on(this.bus, this.subjects, 'room', room, this.log, (e) => deliverRoomEvent(this.targets, room, e)),
    );
  }

  user(user: string, interested: boolean): void {
    follow(this.users, user, interested, () => this.bus.subscribe(this.subjects.user(user), this.userEvents));
  }

  close(): void {
    for (const sub of [...this.rooms.values(), ...this.users.values()]) sub.unsubscribe();
    this.rooms.clear();
    this.users.clear();
  }
}

/** Keeps `subs[key]` subscribed while wanted: made on the first need, dropped with the last. */
function follow(
  subs: Map<string, Subscription>,
  key: string,
  interested: boolean,
  subscribe: () => Subscription,
): void {
  if (interested && !subs.has(key)) {
    subs.set(key, subscribe());
  } else if (!interested) {
    subs.get(key)?.unsubscribe();
    subs.delete(key);
  }
}
