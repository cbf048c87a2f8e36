import type { SessionRef } from '@natter/contracts';
import type { PresenceView } from '@natter/protocol';

/** A user whose last session just went away, and when (ms since the epoch, the store's clock). */
export interface WentOffline {
  user: string;
  lastSeen: number;
}

/**
 * A transition the store decided and recorded in the same atomic step (its outbox), not yet
 * copied into the event log. `id` is unique and never reused within the store's lifetime.
 */
export interface RecordedTransition {
  id: string;
  user: string;
  online: boolean;
}

/**
 * The session registry: which sessions of which users live on which gateway, and which
 * gateways are alive. Implementations: MemoryPresenceStore (single node, unit tests) and
 * RedisPresenceStore; both pass test/store-contract.ts.
 *
 * Contract:
 * - Every method is atomic: a concurrent caller (another presence instance) sees all of
 *   it or none of it. In particular an online/offline transition is reported to exactly one
 *   caller, however many race on the same sessions or the same dead gateway.
 * - A user is online while at least one of their sessions is registered, on any gateway.
 *   A session id is unique to one connection on one gateway.
 * - Every operation is idempotent in its effect (registering a registered session or
 *   removing a removed one changes nothing and reports no transition), so a caller may
 *   retry after an error.
 * - Times (liveness deadlines, lastSeen) come from the store's one clock (Redis: the
 *   server's TIME), so presence instances with skewed clocks agree.
 * - A rejection is a PresenceStoreError whose `cause` is the backend's error: the backend
 *   is unreachable or did not answer in time. The operation may or may not have been
 *   applied; the store never leaves it half applied.
 * - The store may lose everything (Redis keeps nothing on disk). `ensureInitialized`
 *   tells the first caller after such a loss, so the service can ask gateways to
 *   re-announce their sessions.
 */
export interface PresenceStore {
  /**
   * Registers sessions on a gateway and marks the gateway alive for at least `ttlMs` (a
   * connect is a sign of life; it never shortens a later deadline). Resolves with the users
   * that came online: they had no session anywhere before this call (each listed once).
   */
  connect(gw: string, sessions: SessionRef[], ttlMs: number): Promise<string[]>;

  /**
   * Removes sessions of a gateway (sessions registered on another gateway are left alone).
   * Resolves with the users whose last session went away, lastSeen recorded as now.
   */
  disconnect(gw: string, sessions: SessionRef[]): Promise<WentOffline[]>;

  /**
   * Marks the gateway alive for `ttlMs` from now (replacing its deadline). Resolves with
   * the number of sessions the store holds for it, so a caller can notice a gateway whose
   * sessions were swept or lost while it still has some.
   */
  heartbeat(gw: string, ttlMs: number): Promise<number>;

  /** Gateways whose liveness deadline has passed and that are not yet removed. */
  expired(): Promise<string[]>;

  /**
   * Removes a gateway with all its sessions and its liveness. With `ifExpired`, does
   * nothing when the gateway's deadline has not passed (it heartbeated or connected since
   * it was found expired). Resolves with the users that went offline; a second call, from
   * anyone, finds nothing and resolves with [].
   */
  removeGateway(gw: string, opts?: { ifExpired?: boolean }): Promise<WentOffline[]>;

  /** Online state of each user, in the order given; lastSeen (ISO) only for offline users seen before. */
  query(users: string[]): Promise<PresenceView[]>;

  /**
   * Makes sure the store's initialization marker exists. Resolves true when it did not (a
   * brand-new store, or one that lost its state since): exactly one caller gets true per
   * loss, and should tell gateways to re-announce their sessions.
   */
  ensureInitialized(): Promise<boolean>;

  /**
   * The oldest `max` transitions recorded and not yet dropped, oldest first. Every
   * transition that connect, disconnect and removeGateway report is recorded by the same
   * atomic step that decided it (so none is recorded that did not happen), for the event
   * log's copier (transition-log.ts) to take from here.
   */
  recordedTransitions(max: number): Promise<RecordedTransition[]>;

  /** Forgets recorded transitions once they are in the event log; unknown ids are ignored. */
  dropTransitions(ids: string[]): Promise<void>;
}

/** The backend of a PresenceStore failed or did not answer; `cause` is its error. */
export class PresenceStoreError extends Error {
  override name = 'PresenceStoreError';
}
