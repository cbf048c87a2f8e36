import { MessageStore } from '@natter/client';
import type { ChangeEvent, MessageView } from '@natter/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcess } from './helpers/in-process.ts';
import type { Frame, RawClient } from './helpers/ws-client.ts';

/**
 * Random lifecycle ops from two users on two gateways, concurrently: what a third and fourth
 * session (each user's other session, on the other gateway) make of the events they get,
 * applied by `ver` as docs/protocol.md says a client should, is history's current state; and
 * so is what the SDK's MessageStore makes of the same events shuffled and repeated.
 */
let c: InProcessCluster;

beforeAll(async () => {
  c = await startInProcess({ gateways: 2 });
});

afterAll(async () => {
  await c?.stop();
});

/** What a message is, as far as this test compares it (times left out). */
interface Shown {
  seq: number;
  ver: number;
  text?: string;
  deleted: boolean;
  reactions: { emoji: string; count: number; users: string[] }[];
  pinnedBy?: string;
  mentions?: string[];
}

function shown(m: Frame): Shown {
  const s: Shown = {
    seq: m.seq as number,
    ver: m.ver as number,
    deleted: !!m.deleted,
    reactions: structuredClone((m.reactions as Shown['reactions']) ?? []),
  };
  if (m.text !== undefined) s.text = m.text as string;
  if (m.pinned) s.pinnedBy = (m.pinned as { by: string }).by;
  if (m.mentions) s.mentions = m.mentions as string[];
  return s;
}

/** A client's message store: each event applied once, by ver. */
function applyAll(events: Frame[], conv: string): Map<number, Shown> {
  const msgs = new Map<number, Shown>();
  for (const f of events) {
    if (f.conv !== conv) continue;
    const seq = f.seq as number;
    const ver = f.ver as number;
    const cur = msgs.get(seq);
    if (f.ev === 'message' && !cur) msgs.set(seq, shown(f));
    if (!cur || ver <= cur.ver) continue;
    cur.ver = ver;
    switch (f.ev) {
      case 'update':
        msgs.set(seq, shown(f.message as Frame));
        break;
      case 'edit':
        cur.text = f.text as string;
        if (f.mentions) cur.mentions = f.mentions as string[];
        else delete cur.mentions;
        break;
      case 'delete':
        msgs.set(seq, { seq, ver, deleted: true, reactions: [] });
        break;
      case 'pin':
        if (f.on) cur.pinnedBy = f.by as string;
        else delete cur.pinnedBy;
        break;
      case 'reaction': {
        const at = cur.reactions.findIndex((r) => r.emoji === f.emoji);
        if (f.on) {
          if (at < 0) cur.reactions.push({ emoji: f.emoji as string, count: 1, users: [f.user as string] });
          else {
            cur.reactions[at].count++;
            cur.reactions[at].users.push(f.user as string);
          }
        } else if (at >= 0) {
          const r = cur.reactions[at];
          r.count--;
          r.users = r.users.filter((u) => u !== f.user);
          if (r.count === 0) cur.reactions.splice(at, 1);
        }
        break;
      }
    }
  }
  return msgs;
}

type Op =
  | { op: 'send'; text: string; reply?: number }
  | { op: 'edit'; seq: number; text: string }
  | { op: 'delete' | 'pin' | 'unpin'; seq: number }
  | { op: 'react' | 'unreact'; seq: number; emoji: string };

const seq = fc.integer({ min: 1, max: 6 });
const text = fc.constantFrom('hi', 'hi @pb', '@pa look', 'x');
const anOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('send' as const), text, reply: fc.option(seq, { nil: undefined }) }),
  fc.record({ op: fc.constant('edit' as const), seq, text }),
  fc.record({ op: fc.constantFrom('delete' as const, 'pin' as const, 'unpin' as const), seq }),
  fc.record({
    op: fc.constantFrom('react' as const, 'unreact' as const),
    seq,
    emoji: fc.constantFrom('👍', '🎉', 'ok'),
  }),
);

let run = 0;

describe('lifecycle convergence', () => {
  it('any interleaving of two users’ ops gives every other session history’s current state', async () => {
    const [pa, pb, pa2, pb2] = [
      await c.hello(0, 'pa'),
      await c.hello(1, 'pb'),
      await c.hello(1, 'pa'),
      await c.hello(0, 'pb'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(anOp, { maxLength: 25 }),
        fc.array(anOp, { maxLength: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 120 }),
        async (opsA, opsB, keys) => {
          const room = `prop${++run}`;
          const conv = `room:${room}`;
          await pa.ok('join', { room }); // pa creates it: pa owns it
          await pb.ok('join', { room });
          await pa.ok('send', { to: conv, cid: `${room}-first`, text: 'first' });
          const act = async (s: RawClient, ops: Op[], who: string) => {
            for (const [i, { op, ...rest }] of ops.entries()) {
              const p = op === 'send' ? { to: conv, cid: `${room}-${who}-${i}`, ...rest } : { conv, ...rest };
              await s.request(op, p);
            }
          };
          await Promise.all([act(pa, opsA, 'a'), act(pb, opsB, 'b')]);
          const history = (await pa.ok('history', { conv, limit: 200 })).messages as Frame[];
          const latest = Math.max(...history.map((m) => m.ver as number));
          const want = new Map(history.map((m) => [m.seq as number, shown(m)]));
          for (const s of [pa2, pb2]) {
            const deadline = Date.now() + 5000;
            const top = () =>
              Math.max(0, ...s.events.filter((f) => f.conv === conv).map((f) => f.ver as number));
            while (top() < latest && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
            expect(applyAll(s.events, conv)).toEqual(want);
            // The SDK's store, given the same events in any order and some twice, agrees.
            const mine = s.events.filter((f) => f.conv === conv);
            const shuffled = [...mine, ...mine.slice(0, keys.length % 7)]
              .map((f, i) => ({ f, k: keys[i] ?? (i * 0.618) % 1 }))
              .sort((a, b) => a.k - b.k);
            const store = new MessageStore();
            for (const { f } of shuffled) {
              const { ev, ...rest } = f;
              if (ev === 'message') store.put(rest as unknown as MessageView);
              else store.apply(f as unknown as ChangeEvent);
            }
            expect(new Map(store.messages(conv).map((m) => [m.seq, shown(m as unknown as Frame)]))).toEqual(
              want,
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
