import type { Bus } from '@natter/bus';
import { emit, type Origin, type Subjects, type UserEvent } from '@natter/contracts';
import type { PresenceStore } from './store.ts';

/**
 * Sends an event to every gateway holding a session of one of `users`: one delivery per
 * gateway, naming only the users that have sessions there, so a gateway fans out to its
 * own sessions and nothing is sent for users who are offline (promise 5: bounded cost).
 * Resolves with the number of gateways it published to.
 */
export async function routeToGateways(
  bus: Bus,
  s: Subjects,
  store: PresenceStore,
  users: string[],
  event: UserEvent,
  origin: Origin | undefined,
  trace: string,
): Promise<number> {
  const gateways = await store.gatewaysOf([...new Set(users)]);
  for (const [gw, here] of gateways) {
    emit(bus, s, 'gwDeliver', gw, origin ? { users: here, event, origin } : { users: here, event }, trace);
  }
  return gateways.size;
}
