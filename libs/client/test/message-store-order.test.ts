import type { ChangeEvent, MessageView } from '@natter/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageStore } from '../src/message-store.ts';

/**
 * The store's promise (src/message-store.ts): every order and every repetition of the messages,
 * whole states and change events of a conversation converge to the server's current state.
 * A model of the server (libs/messages: pg-append, pg-changes, pg-thread) runs random
 * ops and records everything a client could be given; the store gets all of it shuffled,
 * with repeats, and must end with every message exactly as the server's history shows it.
 */
const CONV = 'room:prop';
const USERS = ['alice', 'bob', 'carol'];

type Op =
  | { kind: 'send'; from: string; reply?: number }
  | { kind: 'edit'; seq: number; text: string }
  | { kind: 'delete'; seq: number }
  | { kind: 'react'; seq: number; user: string; emoji: string; on: boolean }
  | { kind: 'pin'; seq: number; on: boolean }
  | { kind: 'reply'; seq: number; user: string }
  | { kind: 'snapshot'; seq: number; asUpdate: boolean };

const seq = fc.integer({ min: 1, max: 5 });
const user = fc.constantFrom(...USERS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), from: user, reply: fc.option(seq, { nil: undefined }) }),
  fc.record({ kind: fc.constant('edit' as const), seq, text: fc.constantFrom('a', 'b @carol', 'c') }),
  fc.record({ kind: fc.constant('delete' as const), seq }),
  fc.record({
    kind: fc.constant('react' as const),
    seq,
    user,
    emoji: fc.constantFrom('👍', '🎉', '❤️'),
    on: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('pin' as const), seq, on: fc.boolean() }),
  fc.record({ kind: fc.constant('reply' as const), seq, user }),
  fc.record({ kind: fc.constant('snapshot' as const), seq, asUpdate: fc.boolean() }),
);

/** The server's row of one message. */
interface Row {
  seq: number;
  from: string;
  ver: number;
  text?: string;
  mentions?: string[];
  edited?: string;
  deleted?: boolean;
  reply?: { seq: number; from: string; preview: string };
  reactions: { emoji: string; users: string[] }[];
  pinnedBy?: string;
  thread?: { replies: number; last: string; users: string[] };
}

/** A row as history returns it (times the client cannot know fixed to 'T'). */
function view(r: Row): MessageView {
  const m: MessageView = { conv: CONV, seq: r.seq, mid: `m${r.seq}`, from: r.from, ts: 'ts', ver: r.ver };
  if (r.deleted) {
    m.deleted = 'T';
    if (r.thread) m.thread = structuredClone(r.thread);
    return m;
  }
  if (r.text !== undefined) m.text = r.text;
  if (r.reply) m.reply = { ...r.reply };
  if (r.mentions) m.mentions = [...r.mentions];
  if (r.edited) m.edited = r.edited;
  if (r.reactions.length) {
    m.reactions = r.reactions.map((x) => ({ emoji: x.emoji, count: x.users.length, users: [...x.users] }));
  }
  if (r.pinnedBy) m.pinned = { by: r.pinnedBy, ts: 'T' };
  if (r.thread) m.thread = structuredClone(r.thread);
  return m;
}

type Given = { put: MessageView } | { change: ChangeEvent };

/** Runs the ops on the model; returns what clients could be given, and the final history. */
function serve(ops: Op[]): { given: Given[]; history: MessageView[] } {
  const rows = new Map<number, Row>();
  let ver = 0;
  const given: Given[] = [];
  const send = (from: string, reply?: number) => {
    const r: Row = { seq: rows.size + 1, from, ver: ++ver, text: `t${rows.size + 1}`, reactions: [] };
    const to = reply === undefined ? undefined : rows.get(reply);
    if (to) r.reply = { seq: to.seq, from: to.from, preview: to.text ?? '' };
    rows.set(r.seq, r);
    given.push({ put: view(r) });
  };
  send('bob');
  for (const op of ops) {
    if (op.kind === 'send') {
      send(op.from, op.reply);
      continue;
    }
    const r = rows.get(op.seq);
    if (!r) continue;
    const at = ver + 1;
    let change: ChangeEvent | undefined;
    const base = { conv: CONV, seq: r.seq, ver: at };
    if (op.kind === 'snapshot') {
      given.push(
        op.asUpdate ? { change: { ev: 'update', ...base, ver: r.ver, message: view(r) } } : { put: view(r) },
      );
      continue;
    }
    if (op.kind === 'reply') {
      // A reply in its thread changes the root's summary (a tombstone's thread included).
      const users = r.thread?.users ?? [];
      r.thread = {
        replies: (r.thread?.replies ?? 0) + 1,
        last: `l${at}`,
        users: users.includes(op.user) || users.length >= 10 ? users : [...users, op.user],
      };
      change = { ev: 'thread', ...base, ...structuredClone(r.thread) };
    } else if (r.deleted) {
      continue; // not_found (a second delete: {})
    } else if (op.kind === 'edit') {
      if (r.text === op.text) continue;
      r.text = op.text;
      r.edited = `e${at}`;
      r.mentions = op.text.includes('@carol') ? ['carol'] : undefined;
      change = { ev: 'edit', ...base, text: op.text, edited: r.edited, by: r.from };
      if (r.mentions) change.mentions = [...r.mentions];
    } else if (op.kind === 'delete') {
      Object.assign(r, { deleted: true, text: undefined, mentions: undefined, edited: undefined });
      Object.assign(r, { reply: undefined, reactions: [], pinnedBy: undefined });
      for (const o of rows.values()) if (o.reply?.seq === r.seq) o.reply.preview = '';
      change = { ev: 'delete', ...base, by: r.from };
    } else if (op.kind === 'react') {
      const i = r.reactions.findIndex((x) => x.emoji === op.emoji);
      const has = i >= 0 && r.reactions[i].users.includes(op.user);
      if (has === op.on) continue;
      if (op.on && i < 0) r.reactions.push({ emoji: op.emoji, users: [op.user] });
      else if (op.on) r.reactions[i].users.push(op.user);
      else {
        r.reactions[i].users = r.reactions[i].users.filter((u) => u !== op.user);
        if (r.reactions[i].users.length === 0) r.reactions.splice(i, 1);
      }
      change = { ev: 'reaction', ...base, user: op.user, emoji: op.emoji, on: op.on };
    } else {
      if (Boolean(r.pinnedBy) === op.on) continue;
      r.pinnedBy = op.on ? 'alice' : undefined;
      change = { ev: 'pin', ...base, on: op.on, by: 'alice' };
    }
    ver = at;
    r.ver = at;
    given.push({ change });
  }
  return { given, history: [...rows.values()].map(view) };
}

/** What the comparison ignores: the times a client takes from its own clock. */
function normal(m: MessageView): MessageView {
  const n = structuredClone(m);
  if (n.deleted) n.deleted = 'T';
  if (n.pinned) n.pinned.ts = 'T';
  return n;
}

describe('MessageStore convergence (property)', () => {
  it("any order and repetition of messages, whole states and changes converges to the server's state", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (ops, keys, repeats) => {
          const { given, history } = serve(ops);
          // Each item once, plus repeats; then in an arbitrary order.
          const all = [...given, ...repeats.map((r) => given[r % given.length] as Given)];
          const order = all.map((g, i) => ({ g, k: keys[i] ?? (i * 0.618) % 1 }));
          order.sort((a, b) => a.k - b.k);
          const store = new MessageStore();
          for (const { g } of order) {
            if ('put' in g) store.put(structuredClone(g.put));
            else store.apply(structuredClone(g.change));
          }
          expect(store.messages(CONV).map(normal)).toEqual(history);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('in ver order, with nothing repeated, tells the app once per change', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { given, history } = serve(ops.filter((o) => o.kind !== 'snapshot'));
        const store = new MessageStore();
        let updates = 0;
        store.on('update', () => updates++);
        for (const g of given) {
          if ('put' in g) store.put(g.put);
          else store.apply(g.change);
        }
        expect(store.messages(CONV).map(normal)).toEqual(history);
        // Every message and change is one update, plus one per reply whose preview a delete emptied.
        expect(updates).toBeGreaterThanOrEqual(given.length);
      }),
      { numRuns: 200 },
    );
  });
});
