import type { RoomListReply, RpcClient, SessionRef } from '@natter/contracts';
import { type Logger, newTraceId } from '@natter/log';
import { type ConvSummary, defaultNotifyLevel, type NotifyLevel } from '@natter/protocol';
import { GroupCommit, type Settled } from '@natter/service';

/** One user's conversations question (`historyConvs`). */
export interface ConvsQuestion {
  user: string;
  rooms: string[];
  dms: boolean;
}

export interface HelloLookupsOptions {
  /** Users per batch (NATTER_HELLO_BATCH_MAX). */
  maxBatch: number;
  /** This gateway's id (presence registers its sessions under it). */
  gw: string;
  /** Told of every batch's size, for metrics. */
  onBatch?: (lookup: Lookup, size: number) => void;
  /** One line per batch (debug), and one warning per failed batch: not one per hello. */
  log?: Logger;
}

type Lookup = 'rooms' | 'convs' | 'presence' | 'levels';

/** Batches of each kind in flight at once: enough to keep several service instances busy. */
const CONCURRENCY = 4;

const all = <T>(values: T[]): Settled<T>[] => values.map((value) => ({ ok: true, value }));

/**
 * What `hello` asks the services, batched across concurrent hellos: a storm of N hellos is
 * N / maxBatch requests to rooms, history and presence (each one Postgres statement or one
 * Redis pipeline), not N of each. Idle, a hello's lookup goes out alone after the current
 * turn of the event loop. Each answer is the one the single-user request gives: the batch
 * RPCs answer per item, computed for that item's user only, and a batch that fails fails
 * every hello in it with the same `unavailable`.
 */
export class HelloLookups {
  private readonly rooms: GroupCommit<string, RoomListReply['rooms']>;
  private readonly convs: GroupCommit<ConvsQuestion, ConvSummary[]>;
  private readonly presence: GroupCommit<SessionRef, undefined>;
  private readonly levels: GroupCommit<string, Map<string, NotifyLevel> | undefined>;

  constructor(rpc: RpcClient, opts: HelloLookupsOptions) {
    const batching = { maxBatch: opts.maxBatch, concurrency: CONCURRENCY };
    /**
     * One trace id per batch, on its request (so the service's log lines carry it) and on this
     * gateway's line about it: a storm's logs read as a few hundred batches, not 100,000 hellos.
     */
    const batch = async <T>(
      lookup: Lookup,
      size: number,
      call: (trace: string) => Promise<T>,
    ): Promise<T> => {
      const trace = newTraceId();
      opts.onBatch?.(lookup, size);
      const t0 = performance.now();
      try {
        const result = await call(trace);
        opts.log?.debug(
          { trace, lookup, users: size, ms: Math.round(performance.now() - t0) },
          'hello lookup batch',
        );
        return result;
      } catch (err) {
        opts.log?.warn(
          { trace, lookup, users: size, err },
          'hello lookup batch failed: every hello in it answers with this error',
        );
        throw err;
      }
    };
    this.rooms = new GroupCommit(
      (users) =>
        batch('rooms', users.length, async (trace) =>
          all((await rpc.call('rooms.listMany', { v: 1, users }, { trace })).lists),
        ),
      batching,
    );
    this.convs = new GroupCommit(
      (items) =>
        batch('convs', items.length, async (trace) =>
          all((await rpc.call('historyConvsMany', { v: 1, items }, { trace })).convs),
        ),
      batching,
    );
    // Best effort: without a push service (none deployed, or down) `convs` carry no `notify`.
    this.levels = new GroupCommit(
      (users) =>
        batch('levels', users.length, async (trace) => {
          const reply = await rpc.call('pushLevels', { v: 1, users }, { trace }).catch(() => undefined);
          return all(
            users.map((_, i) =>
              reply ? new Map(reply.levels[i]?.map((l) => [l.conv, l.level])) : undefined,
            ),
          );
        }),
      batching,
    );
    this.presence = new GroupCommit<SessionRef, undefined>(
      (sessions) =>
        batch('presence', sessions.length, async (trace) => {
          await rpc.call('presenceConnect', { v: 1, gw: opts.gw, sessions }, { trace });
          return sessions.map(() => ({ ok: true as const, value: undefined }));
        }),
      batching,
    );
  }

  /** The user's own rooms (`rooms.list`). */
  roomsOf(user: string): Promise<RoomListReply['rooms']> {
    return this.rooms.submit(user);
  }

  /** The user's conversations with `seq` and read markers (`historyConvs`). */
  convsOf(q: ConvsQuestion): Promise<ConvSummary[]> {
    return this.convs.submit(q);
  }

  /**
   * The user's conversations (`convsOf`) with each one's `notify` level in force, asked of
   * the push service at the same time; the entries carry none when it did not answer.
   */
  async convsWithLevels(q: ConvsQuestion): Promise<ConvSummary[]> {
    const [convs, levels] = await Promise.all([this.convsOf(q), this.levels.submit(q.user)]);
    if (!levels) return convs;
    return convs.map((c) => ({ ...c, notify: levels.get(c.conv) ?? defaultNotifyLevel(c.conv) }));
  }

  /** Registers a session with presence (`presenceConnect`). */
  connect(session: SessionRef): Promise<undefined> {
    return this.presence.submit(session);
  }
}
