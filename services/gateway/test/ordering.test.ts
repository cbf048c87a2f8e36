import type { MessageView } from '@natter/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { changeDelivery, Ordering, toDelivery } from '../src/ordering.ts';
import { Session } from '../src/session.ts';

/** A socket that records what the session sends (the unit under test is the ordering). */
function fakeSocket(sent: string[]): WebSocket {
  return {
    readyState: 1,
    OPEN: 1,
    bufferedAmount: 0,
    send: (d: Buffer | string) => sent.push(String(d)),
  } as never;
}

/** A message that nothing changed: its ver is its seq. */
function msg(conv: string, seq: number, from = 'bob'): MessageView {
  return { conv, seq, ver: seq, mid: `m_${seq}`, from, ts: new Date(0).toISOString(), text: `#${seq}` };
}

/** History's `historyChanges` over a list of current states (each message once). */
function changesOf(history: MessageView[], conv: string, after: number, created?: Map<number, number>) {
  const mine = history.filter((m) => m.conv === conv);
  return {
    changes: mine
      .filter((m) => m.ver > after)
      .sort((a, b) => a.ver - b.ver)
      .map((m) => ({ msg: m, fresh: (created?.get(m.seq) ?? m.seq) > after })),
    ver: Math.max(0, ...mine.map((m) => m.ver)),
    more: false,
  };
}

function setup(opts: {
  history: MessageView[];
  sessions: number;
  startAt?: number;
  /** seq -> the ver it was created with, for messages changed since (default: its seq). */
  created?: Map<number, number>;
}) {
  const sessions: { s: Session; sent: string[] }[] = [];
  for (let i = 0; i < opts.sessions; i++) {
    const sent: string[] = [];
    const s = new Session(`s${i}`, fakeSocket(sent), '', {
      maxBufferedBytes: 1e9,
      maxPendingEvents: 1e6,
      onSlow: () => {},
    });
    s.user = 'alice';
    s.state = 'live';
    if (opts.startAt !== undefined) s.cursor('dm:alice:bob').ver = opts.startAt;
    sessions.push({ s, sent });
  }
  let fetches = 0;
  const ordering = new Ordering({
    reorderWaitMs: 5,
    fetch: async (conv, after) => {
      fetches++;
      return changesOf(opts.history, conv, after, opts.created);
    },
    sessionsOf: () => sessions.map((x) => x.s),
    mayReceive: () => true,
    resync: () => {
      throw new Error('unexpected resync');
    },
    onError: (err) => {
      throw err;
    },
  });
  const received = (i: number) => sessions[i].sent.map((f) => JSON.parse(f).seq as number);
  const frames = (i: number) => sessions[i].sent.map((f) => JSON.parse(f) as Record<string, unknown>);
  return { ordering, sessions, received, frames, fetches: () => fetches };
}

const until = async (cond: () => boolean) => {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('gateway ordering', () => {
  it('delivers any reordering, duplication and loss of 1..n exactly once and in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n * 2 }, (_, i) => (i % n) + 1),
              { minLength: 0 },
            ),
          ),
        ),
        async ([n, arrivals]) => {
          const history = Array.from({ length: n }, (_, i) => msg('dm:alice:bob', i + 1));
          const t = setup({ history, sessions: 2, startAt: 0 });
          for (const seq of arrivals) t.ordering.push(toDelivery(history[seq - 1]));
          // The last message always arrives eventually (or a later one reveals the gap).
          t.ordering.push(toDelivery(history[n - 1]));
          const want = Array.from({ length: n }, (_, i) => i + 1);
          await until(() => t.received(0).length >= n && t.received(1).length >= n);
          expect(t.received(0)).toEqual(want);
          expect(t.received(1)).toEqual(want);
          t.ordering.stop();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fetches a gap once per gateway, not once per session', async () => {
    const history = Array.from({ length: 5 }, (_, i) => msg('dm:alice:bob', i + 1));
    const t = setup({ history, sessions: 50, startAt: 0 });
    t.ordering.push(toDelivery(history[0]));
    t.ordering.push(toDelivery(history[4]));
    await until(() => t.received(49).length === 5);
    expect(t.fetches()).toBe(1);
    expect(t.received(0)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips the sending session and the seqs a session sent itself', async () => {
    const history = Array.from({ length: 3 }, (_, i) => msg('dm:alice:bob', i + 1, 'alice'));
    const t = setup({ history, sessions: 2, startAt: 0 });
    t.sessions[1].s.cursor('dm:alice:bob').markOwn(3);
    t.ordering.push(toDelivery(history[0], 's0'));
    t.ordering.push(toDelivery(history[1]));
    t.ordering.push(toDelivery(history[2]));
    await until(() => t.received(1).length === 2);
    expect(t.received(0)).toEqual([2, 3]);
    expect(t.received(1)).toEqual([1, 2]);
    expect(t.sessions[1].s.cursorOf('dm:alice:bob')?.ver).toBe(3);
  });

  it('holds live messages while a session syncs and drops what it already has', async () => {
    const history = Array.from({ length: 4 }, (_, i) => msg('dm:alice:bob', i + 1));
    const t = setup({ history, sessions: 1 });
    const { s } = t.sessions[0];
    s.state = 'syncing';
    t.ordering.push(toDelivery(history[2]));
    t.ordering.push(toDelivery(history[3]));
    expect(t.received(0)).toEqual([]);
    // The replay brought the session to seq 3; then it goes live and the held ones flow.
    s.cursor('dm:alice:bob').ver = 3;
    s.state = 'live';
    for (const d of s.takePending()) t.ordering.deliverTo(s, d);
    expect(t.received(0)).toEqual([4]);
  });

  it('lets a session that is behind the stream catch up from history alone', async () => {
    const history = Array.from({ length: 6 }, (_, i) => msg('room:x', i + 1));
    const t = setup({ history, sessions: 1 });
    const { s } = t.sessions[0];
    s.cursor('room:x').ver = 2;
    t.ordering.deliverTo(s, toDelivery(history[5]));
    await until(() => t.received(0).length === 4);
    expect(t.received(0)).toEqual([3, 4, 5, 6]);
  });

  it('orders changes with messages by ver and repairs a lost edit with the message’s state', async () => {
    // Messages 1 and 2 (vers 1, 2), then message 1 edited (ver 3), then a reaction on 2 (ver 4).
    const one = { ...msg('room:x', 1), ver: 3, text: 'edited', edited: new Date(0).toISOString() };
    const two = { ...msg('room:x', 2), ver: 4, reactions: [{ emoji: '👍', count: 1, users: ['bob'] }] };
    const created = new Map([
      [1, 1],
      [2, 2],
    ]);
    const t = setup({ history: [one, two], sessions: 2, created });
    for (const { s } of t.sessions) s.cursor('room:x').ver = 0;
    t.ordering.push(toDelivery(msg('room:x', 1)));
    t.ordering.push(toDelivery(msg('room:x', 2)));
    // The edit (ver 3) is lost on the bus; the reaction (ver 4) arrives and reveals the gap.
    t.ordering.push(
      changeDelivery({ ev: 'reaction', conv: 'room:x', seq: 2, ver: 4, user: 'bob', emoji: '👍', on: true }),
    );
    await until(() => t.frames(1).length === 4);
    for (const i of [0, 1]) {
      const f = t.frames(i);
      expect(f.map((x) => [x.ev, x.seq, x.ver])).toEqual([
        ['message', 1, 1],
        ['message', 2, 2],
        ['update', 1, 3],
        // The live event of ver 4 was held: it goes out as it came.
        ['reaction', 2, 4],
      ]);
      expect((f[2].message as MessageView).text).toBe('edited');
    }
    expect(t.fetches()).toBe(1);
  });
});
