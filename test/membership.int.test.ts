import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, token } from './helpers/cluster.ts';
import { type Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Promise 6 (nobody where they don't belong), probed as an attacker would, on two gateways
 * and real NATS, Redis and Postgres: a session receives a room's events only while its
 * user is a confirmed member, whatever it sends meanwhile.
 */
let cluster: Cluster;
const clients: RawClient[] = [];

async function hello(gw: number, user: string) {
  const r = await RawClient.hello(cluster.gateways[gw].url, { token: await token(user) });
  clients.push(r.client);
  return r.client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every event a client received that belongs to `room` (any kind). */
function roomEvents(c: RawClient, room: string): Frame[] {
  return c.events.filter((f) => f.conv === `room:${room}` || f.room === room);
}

/** Sends `op` for `room` every `everyMs` until `stop` resolves; returns the error codes seen. */
async function spam(c: RawClient, op: 'join' | 'create', room: string, everyMs: number, stop: Promise<void>) {
  const codes = new Map<string, number>();
  let done = false;
  void stop.then(() => {
    done = true;
  });
  const inFlight: Promise<void>[] = [];
  while (!done) {
    inFlight.push(
      c.request(op, op === 'create' ? { room, private: true } : { room }).then((r) => {
        const code = r.error?.code ?? 'ok';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }),
    );
    await sleep(everyMs);
  }
  await Promise.all(inFlight);
  return codes;
}

beforeAll(async () => {
  cluster = await startCluster({ instances: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('a private room reaches only its members', () => {
  it('nobody who spams join or create, on either gateway, receives any of its events', async () => {
    const alice = await hello(0, 'alice');
    const bob = await hello(1, 'bob');
    await alice.ok('create', { room: 'vault', private: true });
    await alice.ok('invite', { room: 'vault', user: 'bob' });
    await bob.ok('join', { room: 'vault' });
    const mallories = [
      { client: await hello(0, 'mallory'), op: 'join' as const },
      { client: await hello(1, 'mallory2'), op: 'join' as const },
      { client: await hello(0, 'mallory3'), op: 'create' as const },
      { client: await hello(1, 'mallory4'), op: 'create' as const },
    ];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const spams = mallories.map((m) => spam(m.client, m.op, 'vault', 20, stopped));
    for (let i = 0; i < 40; i++) {
      await alice.ok('send', { to: 'room:vault', cid: `v-${i}`, text: `secret ${i}` });
      if (i % 10 === 0) await alice.ok('typing', { to: 'room:vault' });
      await sleep(50);
    }
    await bob.waitMessages('room:vault', 40);
    stop();
    const codes = await Promise.all(spams);
    await sleep(500);
    for (const [i, m] of mallories.entries()) {
      expect(roomEvents(m.client, 'vault'), `mallory #${i + 1} (${m.op})`).toEqual([]);
      // Every refusal is the same answer: nothing tells a guess from a hidden room.
      expect([...codes[i].keys()], `mallory #${i + 1} answers`).toEqual([
        m.op === 'join' ? 'forbidden' : 'conflict',
      ]);
    }
    // And none of them can read it after the fact either.
    const h = await mallories[0].client.request('history', { conv: 'room:vault' });
    expect(h.error?.code).toBe('forbidden');
  });

  it('a member who leaves receives none of the next messages while spamming join', async () => {
    const owner = await hello(0, 'olga');
    const leaver = await hello(1, 'lena');
    const sameGw = await hello(0, 'lena');
    await owner.ok('create', { room: 'vault2', private: true });
    await owner.ok('invite', { room: 'vault2', user: 'lena' });
    await leaver.ok('join', { room: 'vault2' });
    await owner.ok('send', { to: 'room:vault2', cid: 'before', text: 'while lena is in' });
    await leaver.waitMessages('room:vault2', 1);
    await sameGw.waitMessages('room:vault2', 1);
    await leaver.ok('leave', { room: 'vault2' });
    const seen = [leaver, sameGw].map((c) => c.events.length);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const spams = [spam(leaver, 'join', 'vault2', 20, stopped), spam(sameGw, 'join', 'vault2', 20, stopped)];
    for (let i = 0; i < 30; i++) {
      await owner.ok('send', { to: 'room:vault2', cid: `after-${i}`, text: `after ${i}` });
      await sleep(40);
    }
    stop();
    await Promise.all(spams);
    await sleep(500);
    for (const [i, c] of [leaver, sameGw].entries()) {
      const after = c.events
        .slice(seen[i])
        .filter(
          (f) => (f.conv === 'room:vault2' || f.room === 'vault2') && !(f.ev === 'left' && f.user === 'lena'),
        );
      expect(after, `lena's session on gateway ${i === 0 ? 2 : 1}`).toEqual([]);
    }
  });
});

// ---- the property: no session ever receives an event of a conversation its user was not in ----

interface Action {
  user: string;
  kind: 'join' | 'leave' | 'send' | 'typing' | 'read' | 'invite';
  /** When the request went out and when its (successful) answer came back. */
  at: number;
  done: number;
  ok: boolean;
  text?: string;
}

type Step = { user: number; op: 'join' | 'leave' | 'send' | 'typing' | 'read' | 'invite'; other: number };

const USERS = ['pa', 'pb', 'pc', 'pd'];

/** The times a user may have been a member: from a join's request to the answer of the next leave. */
function memberSpans(actions: Action[], user: string, owner: string): [number, number][] {
  if (user === owner) return [[0, Number.POSITIVE_INFINITY]];
  const spans: [number, number][] = [];
  let from: number | undefined;
  for (const a of actions.filter((x) => x.user === user).sort((x, y) => x.at - y.at)) {
    if (a.kind === 'join' && a.ok && from === undefined) from = a.at;
    if (a.kind === 'leave' && a.ok && from !== undefined) {
      spans.push([from, a.done]);
      from = undefined;
    }
  }
  if (from !== undefined) spans.push([from, Number.POSITIVE_INFINITY]);
  return spans;
}

function overlaps(spans: [number, number][], a: number, b: number): boolean {
  return spans.some(([x, y]) => x <= b && a <= y);
}

/** Which actions could have caused a received event. */
function causes(actions: Action[], ev: Frame): Action[] {
  switch (ev.ev) {
    case 'message':
      return actions.filter((a) => a.kind === 'send' && a.text === ev.text);
    case 'typing':
      return actions.filter((a) => a.kind === 'typing' && a.user === ev.user);
    case 'read':
      return actions.filter((a) => a.kind === 'read' && a.user === ev.user);
    case 'joined':
      return actions.filter((a) => a.kind === 'join' && a.user === ev.user);
    case 'left':
      return actions.filter((a) => a.kind === 'leave' && a.user === ev.user);
    default:
      return [];
  }
}

describe('membership property', () => {
  it('interleaved join/leave/invite/send/typing/read from several users never deliver outside membership', async () => {
    let run = 0;
    const stats = { joins: 0, leaves: 0, events: 0 };
    const steps = fc.array(
      fc.record({
        user: fc.nat({ max: USERS.length - 1 }),
        op: fc.constantFrom('join', 'join', 'leave', 'send', 'send', 'typing', 'read', 'invite', 'invite'),
        other: fc.nat({ max: USERS.length - 1 }),
      }),
      { minLength: 40, maxLength: 80 },
    );
    await fc.assert(
      fc.asyncProperty(steps, async (plan: Step[]) => {
        run++;
        const room = `prop-${run}`;
        // Fresh users per run: a shrinking run must not inherit the last run's sessions or rooms.
        const users = USERS.map((u) => `${u}${run}`);
        const owner = users[0];
        // Two sessions per user, one on each gateway: both must follow the user's membership.
        const sessions = new Map<string, { client: RawClient; received: { at: number; f: Frame }[] }[]>();
        for (const [i, u] of users.entries()) {
          const list = [];
          for (const gw of [i % 2, (i + 1) % 2]) {
            const client = await hello(gw, u);
            const entry = { client, received: [] as { at: number; f: Frame }[] };
            client.ws.on('message', (d) => {
              const f = JSON.parse(d.toString()) as Frame;
              if (f.ev && (f.conv === `room:${room}` || f.room === room))
                entry.received.push({ at: Date.now(), f });
            });
            list.push(entry);
          }
          sessions.set(u, list);
        }
        const ownerClient = sessions.get(owner)![0].client;
        await ownerClient.ok('create', { room, private: true });
        const actions: Action[] = [];
        /** Users some successful `invite` named (each may get an `invited` event). */
        const invited = new Set<string>();
        let n = 0;
        const act = async (step: Step) => {
          const user = users[step.user];
          const c = sessions.get(user)![n % 2].client;
          const at = Date.now();
          const text = `${room}-${n++}`;
          let r: Frame;
          switch (step.op) {
            case 'send':
              r = await c.request('send', { to: `room:${room}`, cid: text, text });
              break;
            case 'typing':
              r = await c.request('typing', { to: `room:${room}` });
              break;
            case 'read':
              r = await c.request('read', { conv: `room:${room}`, seq: 1 });
              break;
            case 'invite':
              // Mostly the owner, so that joins often succeed; sometimes anyone (a non-member's
              // invitation is refused and must let nobody in).
              r = await (step.other % 2 === 0 ? ownerClient : c).request('invite', {
                room,
                user: users[(step.user + step.other) % users.length],
              });
              if (!r.error) invited.add(users[(step.user + step.other) % users.length]!);
              break;
            case 'join':
              if (user === owner) return;
              r = await c.request('join', { room });
              break;
            case 'leave':
              if (user === owner) return;
              r = await c.request('leave', { room });
              break;
          }
          actions.push({ user, kind: step.op, at, done: Date.now(), ok: !r.error, text });
        };
        // Each user runs its own steps in order; users run concurrently.
        await Promise.all(
          users.map(async (_, ui) => {
            for (const step of plan.filter((s) => s.user === ui)) await act(step);
          }),
        );
        await sleep(300);
        stats.joins += actions.filter((a) => a.kind === 'join' && a.ok).length;
        stats.leaves += actions.filter((a) => a.kind === 'leave' && a.ok).length;
        stats.events += [...sessions.values()].flat().reduce((n, e) => n + e.received.length, 0);
        const all = [...sessions.values()].flat();
        for (const { client } of all) client.close();
        for (const [user, list] of sessions) {
          const spans = memberSpans(actions, user, owner);
          for (const { received } of list) {
            for (const { at, f } of received) {
              if ((f.ev === 'joined' || f.ev === 'left') && f.user === user) continue; // one's own
              // An invitation (1.1) is addressed to its invitee, a non-member by definition.
              if (f.ev === 'invited') {
                expect(invited.has(user), `${user} got ${JSON.stringify(f)} uninvited`).toBe(true);
                continue;
              }
              const legit = causes(actions, f).some((a) => a.at <= at && overlaps(spans, a.at, a.done));
              expect(legit, `${user} received ${JSON.stringify(f)} outside membership`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 5 },
    );
    // The schedules must have exercised membership changes, or the property proved nothing.
    expect(stats.joins).toBeGreaterThan(5);
    expect(stats.leaves).toBeGreaterThan(2);
    expect(stats.events).toBeGreaterThan(20);
  });
});
