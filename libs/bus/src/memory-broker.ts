import { checkSubscribeSubject, hasWildcard, SubjectTrie } from './subject-trie.ts';
import type { BusHandler, Headers } from './types.ts';

/**
 * The in-process equivalent of a nats-server: the subscriptions of every MemoryBus
 * connection that shares it, and the routing of published messages to them.
 */
export interface MemorySub {
  readonly subject: string;
  readonly queue: string | undefined;
  readonly handler: BusHandler;
  readonly owner: MemoryEndpoint;
  /**
   * `active`: in the broker. `draining`: out of the broker, messages already routed to it
   * are still delivered. `closed`: nothing more is delivered.
   */
  state: 'active' | 'draining' | 'closed';
}

/** What the broker needs from a connection: somewhere to hand a routed message. */
export interface MemoryEndpoint {
  deliver(sub: MemorySub, subject: string, data: Uint8Array, headers?: Headers, reply?: string): void;
}

interface Group {
  readonly members: MemorySub[];
  /** Round-robin position: spreads a group's messages evenly over its members. */
  next: number;
}

interface Route {
  readonly plain: MemorySub[];
  readonly groups: Group[];
}

interface Queued {
  readonly targets: MemorySub[];
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers | undefined;
  readonly reply: string | undefined;
}

// Per-user subjects could otherwise grow the cache without bound; dropping it all when it
// gets this big is cheap, it refills from the trie.
const MAX_CACHED_ROUTES = 10_000;

export class MemoryBroker {
  private readonly trie = new SubjectTrie<MemorySub>();
  /** Routes of literal subjects already published to; invalidated on (un)subscribe. */
  private readonly routes = new Map<string, Route>();
  private readonly inboxes = new Map<string, MemorySub>();
  /** Routed, not yet delivered; one microtask delivers a whole batch (cheaper than one each). */
  private queue: Queued[] = [];
  private scheduled = false;
  published = 0;
  delivered = 0;

  add(sub: MemorySub): void {
    checkSubscribeSubject(sub.subject);
    this.trie.add(sub.subject, sub);
    this.invalidate(sub.subject);
  }

  remove(sub: MemorySub): void {
    this.trie.remove(sub.subject, sub);
    this.invalidate(sub.subject);
  }

  hasSubscribers(subject: string): boolean {
    const r = this.route(subject);
    return r.plain.length > 0 || r.groups.length > 0;
  }

  /**
   * Routes a message to every plain subscriber and one member of each queue group, and
   * delivers it in a later microtask, never inside the caller's stack (as a network would).
   */
  publish(subject: string, data: Uint8Array, headers?: Headers, reply?: string): void {
    this.published++;
    const inbox = this.inboxes.get(subject);
    if (inbox) {
      this.enqueue({ targets: [inbox], subject, data, headers, reply });
      return;
    }
    const route = this.route(subject);
    const n = route.plain.length + route.groups.length;
    if (n === 0) return;
    const targets: MemorySub[] = route.plain.slice();
    for (const g of route.groups) {
      targets.push(g.members[g.next % g.members.length]);
      g.next = (g.next + 1) % g.members.length;
    }
    this.enqueue({ targets, subject, data, headers, reply });
  }

  /**
   * A reply inbox: reached by its exact subject through a map, not the trie, as requests
   * create and drop one each. (So a `_INBOX.>` subscription does not see replies.)
   */
  addInbox(sub: MemorySub): void {
    this.inboxes.set(sub.subject, sub);
  }

  removeInbox(sub: MemorySub): void {
    this.inboxes.delete(sub.subject);
  }

  private enqueue(q: Queued): void {
    this.queue.push(q);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushQueue);
    }
  }

  /** Delivers in publish order, including what handlers publish meanwhile. */
  private readonly flushQueue = (): void => {
    const q = this.queue;
    try {
      for (let i = 0; i < q.length; i++) {
        const { targets, subject, data, headers, reply } = q[i];
        for (const sub of targets) {
          if (sub.state === 'closed') continue;
          this.delivered++;
          sub.owner.deliver(sub, subject, data, headers, reply);
        }
      }
    } finally {
      this.queue = [];
      this.scheduled = false;
    }
  };

  private route(subject: string): Route {
    const cached = this.routes.get(subject);
    if (cached) return cached;
    const plain: MemorySub[] = [];
    const byQueue = new Map<string, MemorySub[]>();
    for (const sub of this.trie.match(subject)) {
      if (sub.queue === undefined) {
        plain.push(sub);
        continue;
      }
      const members = byQueue.get(sub.queue);
      if (members) members.push(sub);
      else byQueue.set(sub.queue, [sub]);
    }
    const groups = [...byQueue.values()].map((members) => ({ members, next: 0 }));
    const route = { plain, groups };
    if (this.routes.size >= MAX_CACHED_ROUTES) this.routes.clear();
    this.routes.set(subject, route);
    return route;
  }

  private invalidate(pattern: string): void {
    if (hasWildcard(pattern)) this.routes.clear();
    else this.routes.delete(pattern);
  }
}
