import type { ChangeEvent, MessageView } from '@natter/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageStore } from '../src/message-store.ts';

const CONV = 'room:general';

function msg(seq: number, ver = seq, extra: Partial<MessageView> = {}): MessageView {
  return {
    conv: CONV,
    seq,
    mid: `m${seq}`,
    from: 'bob',
    ts: '2026-12-01T10:00:00.000Z',
    ver,
    text: `m${seq}`,
    ...extra,
  };
}

describe('MessageStore', () => {
  it('applies an edit, reactions, a pin and a delete, each once, in ver order', () => {
    const store = new MessageStore();
    const updates: number[] = [];
    store.on('update', (u) => updates.push(u.message.ver));
    store.put(msg(1));
    store.put(msg(2, 2, { reply: { seq: 1, from: 'bob', preview: 'm1' } }));
    const edit: ChangeEvent = {
      ev: 'edit',
      conv: CONV,
      seq: 1,
      ver: 3,
      text: 'hi @carol',
      edited: 't',
      by: 'bob',
      mentions: ['carol'],
    };
    expect(store.apply(edit)?.text).toBe('hi @carol');
    expect(store.apply(edit)).toBeUndefined(); // a repeat changes nothing
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 4, user: 'alice', emoji: '👍', on: true });
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 5, user: 'bob', emoji: '👍', on: true });
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 6, user: 'bob', emoji: '🎉', on: true });
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 7, user: 'alice', emoji: '👍', on: false });
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 4, user: 'alice', emoji: '👍', on: true }); // stale
    expect(store.get(CONV, 1)?.reactions).toEqual([
      { emoji: '👍', count: 1, users: ['bob'] },
      { emoji: '🎉', count: 1, users: ['bob'] },
    ]);
    store.apply({ ev: 'pin', conv: CONV, seq: 1, ver: 8, on: true, by: 'alice' });
    expect(store.pinned(CONV).map((m) => m.seq)).toEqual([1]);
    expect(store.get(CONV, 1)).toMatchObject({ mentions: ['carol'], edited: 't', pinned: { by: 'alice' } });
    store.apply({ ev: 'delete', conv: CONV, seq: 1, ver: 9, by: 'bob' });
    const tomb = store.get(CONV, 1);
    expect(tomb?.deleted).toBeDefined();
    expect(tomb).not.toHaveProperty('text');
    expect(tomb).not.toHaveProperty('reactions');
    expect(tomb).not.toHaveProperty('pinned');
    expect(store.pinned(CONV)).toEqual([]);
    // The reply to it loses its preview, as the server's history does.
    expect(store.get(CONV, 2)?.reply).toEqual({ seq: 1, from: 'bob', preview: '' });
    // Nothing brings a tombstone back, not even a late edit.
    store.apply({ ev: 'edit', conv: CONV, seq: 1, ver: 10, text: 'back', edited: 't2', by: 'bob' });
    expect(store.get(CONV, 1)?.text).toBeUndefined();
    // ...and changes nothing the app would be told of.
    expect(updates).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 2]);
  });

  it('takes a whole state (update, history) only when it is newer', () => {
    const store = new MessageStore();
    store.put(msg(1, 5, { text: 'new' }));
    expect(store.put(msg(1, 3, { text: 'old' }))).toBe(false);
    expect(
      store.apply({ ev: 'update', conv: CONV, seq: 1, ver: 4, message: msg(1, 4, { text: 'older' }) }),
    ).toBeUndefined();
    expect(
      store.apply({ ev: 'update', conv: CONV, seq: 1, ver: 6, message: msg(1, 6, { text: 'newest' }) })?.text,
    ).toBe('newest');
    expect(store.get(CONV, 1)?.text).toBe('newest');
    // A change to a message the store does not hold is ignored (its history page brings it current).
    expect(store.apply({ ev: 'pin', conv: CONV, seq: 9, ver: 7, on: true, by: 'x' })).toBeUndefined();
    expect(store.messages(CONV).map((m) => m.seq)).toEqual([1]);
  });

  it('counts a reaction beyond the 20 users listed', () => {
    const store = new MessageStore();
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    store.put(msg(1, 1, { reactions: [{ emoji: '👍', count: 21, users }] }));
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 2, user: 'u99', emoji: '👍', on: false });
    expect(store.get(CONV, 1)?.reactions).toEqual([{ emoji: '👍', count: 20, users }]);
    store.apply({ ev: 'reaction', conv: CONV, seq: 1, ver: 3, user: 'u98', emoji: '👍', on: true });
    expect(store.get(CONV, 1)?.reactions?.[0]?.count).toBe(21);
  });
});

// ---- property: the store converges to the server's state ----

type Op =
  | { kind: 'edit'; seq: number; text: string }
  | { kind: 'delete'; seq: number }
  | { kind: 'react'; seq: number; user: string; emoji: string; on: boolean }
  | { kind: 'pin'; seq: number; on: boolean };

const SEQS = [1, 2, 3];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('edit' as const),
    seq: fc.constantFrom(...SEQS),
    text: fc.string({ minLength: 1, maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), seq: fc.constantFrom(...SEQS) }),
  fc.record({
    kind: fc.constant('react' as const),
    seq: fc.constantFrom(...SEQS),
    user: fc.constantFrom('alice', 'bob', 'carol'),
    emoji: fc.constantFrom('👍', '🎉', '❤️'),
    on: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('pin' as const), seq: fc.constantFrom(...SEQS), on: fc.boolean() }),
);

/**
 * A model of the server (protocol.md "Message lifecycle"): each op that changes something
 * takes the next ver and yields its event; one that changes nothing yields none.
 */
function serve(ops: Op[]): {
  events: ChangeEvent[];
  state: Map<
    number,
    { text?: string; deleted: boolean; reactions: Map<string, string[]>; pinned: boolean; ver: number }
  >;
} {
  const state = new Map(
    SEQS.map((s) => [
      s,
      {
        text: `m${s}` as string | undefined,
        deleted: false,
        reactions: new Map<string, string[]>(),
        pinned: false,
        ver: s,
      },
    ]),
  );
  let ver = SEQS.length;
  const events: ChangeEvent[] = [];
  for (const op of ops) {
    const m = state.get(op.seq);
    if (!m || m.deleted) continue;
    if (op.kind === 'edit') {
      if (m.text === op.text) continue;
      m.text = op.text;
      events.push({ ev: 'edit', conv: CONV, seq: op.seq, ver: ++ver, text: op.text, edited: 't', by: 'bob' });
    } else if (op.kind === 'delete') {
      m.deleted = true;
      m.text = undefined;
      m.reactions.clear();
      m.pinned = false;
      events.push({ ev: 'delete', conv: CONV, seq: op.seq, ver: ++ver, by: 'bob' });
    } else if (op.kind === 'react') {
      const users = m.reactions.get(op.emoji) ?? [];
      if (users.includes(op.user) === op.on) continue;
      const next = op.on ? [...users, op.user] : users.filter((u) => u !== op.user);
      if (next.length === 0) m.reactions.delete(op.emoji);
      else m.reactions.set(op.emoji, next);
      events.push({
        ev: 'reaction',
        conv: CONV,
        seq: op.seq,
        ver: ++ver,
        user: op.user,
        emoji: op.emoji,
        on: op.on,
      });
    } else {
      if (m.pinned === op.on) continue;
      m.pinned = op.on;
      events.push({ ev: 'pin', conv: CONV, seq: op.seq, ver: ++ver, on: op.on, by: 'alice' });
    }
    m.ver = ver;
  }
  return { events, state };
}

describe('MessageStore (property)', () => {
  it('converges to the server state under duplicated and stale redelivery of changes', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (ops, repeats) => {
          const { events, state } = serve(ops);
          // Delivery in ver order (what a session guarantees), with earlier events repeated
          // at random points (what a reconnect's replay does).
          const delivered: ChangeEvent[] = [];
          events.forEach((e, i) => {
            delivered.push(e);
            const r = repeats[i];
            if (r !== undefined && r % 3 === 0) delivered.push(events[r % (i + 1)] as ChangeEvent);
          });
          const store = new MessageStore();
          for (const s of SEQS) store.put(msg(s));
          for (const e of delivered) store.apply(e);
          for (const [seq, want] of state) {
            const got = store.get(CONV, seq);
            expect(got?.ver).toBe(want.ver);
            expect(got?.text).toBe(want.text);
            expect(Boolean(got?.deleted)).toBe(want.deleted);
            expect(Boolean(got?.pinned)).toBe(want.pinned);
            const reactions = Object.fromEntries(
              (got?.reactions ?? []).map((r) => [r.emoji, [...r.users].sort()]),
            );
            const wanted = Object.fromEntries([...want.reactions].map(([e, u]) => [e, [...u].sort()]));
            expect(reactions).toEqual(wanted);
            for (const r of got?.reactions ?? []) expect(r.count).toBe(r.users.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
