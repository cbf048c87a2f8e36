import { randomBytes } from 'node:crypto';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import type { ChangeInput, MessageStore } from '../src/store.ts';

function uid(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

type Op = ChangeInput extends infer C ? (C extends { op: infer O } ? O : never) : never;
type Extra = { text?: string; mentions?: string[]; emoji?: string; check?: ChangeInput['check'] };

/** A change with no refusal of its own (the handler's checks are tested with the service). */
function change(conv: string, seq: number, user: string, op: Op, extra: Extra = {}): ChangeInput {
  return {
    conv,
    seq,
    user,
    op,
    text: extra.text ?? '',
    mentions: extra.mentions ?? [],
    emoji: extra.emoji ?? '',
    check: extra.check ?? (() => {}),
  } as ChangeInput;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NatterError);
    return (err as NatterError).code;
  }
  throw new Error('expected a rejection');
}

/** The lifecycle part of the MessageStore contract (src/store.ts, `ver` and `change`). */
export function lifecycleContract(name: string, getStore: () => MessageStore): void {
  describe(`MessageStore lifecycle contract: ${name}`, () => {
    it('gives every append and every change the next ver, and no-ops none', async () => {
      const store = getStore();
      const conv = `room:${uid('r')}`;
      const a = await store.append({ conv, from: 'alice', cid: uid('c'), text: 'one' });
      const b = await store.append({ conv, from: 'bob', cid: uid('c'), text: 'two' });
      expect([a.stored.ver, b.stored.ver]).toEqual([1, 2]);
      const edit = await store.change(change(conv, 1, 'alice', 'edit', { text: 'one!', mentions: ['bob'] }));
      expect(edit).toMatchObject({ ver: 3, changed: true, msg: { text: 'one!', mentions: ['bob'], ver: 3 } });
      expect(edit.msg.edited).toMatch(/Z$/);
      // Retried: the same ver, nothing stored.
      expect(await store.change(change(conv, 1, 'alice', 'edit', { text: 'one!' }))).toMatchObject({
        ver: 3,
        changed: false,
      });
      const r1 = await store.change(change(conv, 2, 'carol', 'react', { emoji: '👍' }));
      const r2 = await store.change(change(conv, 2, 'dave', 'react', { emoji: '🎉' }));
      const r3 = await store.change(change(conv, 2, 'alice', 'react', { emoji: '👍' }));
      expect([r1.ver, r2.ver, r3.ver]).toEqual([4, 5, 6]);
      expect(await store.change(change(conv, 2, 'alice', 'react', { emoji: '👍' }))).toMatchObject({
        ver: 6,
        changed: false,
      });
      expect(r3.msg.reactions).toEqual([
        { emoji: '👍', count: 2, users: ['carol', 'alice'] },
        { emoji: '🎉', count: 1, users: ['dave'] },
      ]);
      // 👍 keeps its place while anyone reacts with it, though its first reactor leaves.
      await store.change(change(conv, 2, 'carol', 'unreact', { emoji: '👍' }));
      await store.change(change(conv, 2, 'carol', 'react', { emoji: '👍' }));
      const un = await store.change(change(conv, 2, 'dave', 'unreact', { emoji: '🎉' }));
      expect(un.msg.reactions).toEqual([{ emoji: '👍', count: 2, users: ['alice', 'carol'] }]);
      expect((await store.change(change(conv, 2, 'dave', 'unreact', { emoji: '🎉' }))).changed).toBe(false);
      const pin = await store.change(change(conv, 1, 'alice', 'pin'));
      expect(pin.msg.pinned).toMatchObject({ by: 'alice' });
      expect((await store.change(change(conv, 1, 'alice', 'pin'))).changed).toBe(false);
      expect((await store.pins(conv)).map((m) => m.seq)).toEqual([1]);
      const c = await store.append({ conv, from: 'bob', cid: uid('c'), text: 'three' });
      expect(c.stored).toMatchObject({ seq: 3, ver: 11 });
      expect((await store.convs('alice', [conv.slice(5)], false))[0]).toMatchObject({ seq: 3, ver: 11 });
      expect((await store.positions([], [conv.slice(5)]))[0]).toEqual({ conv, seq: 3, ver: 11 });
      const page = await store.query(conv, { limit: 10 });
      expect(page.messages.map((m) => [m.seq, m.ver])).toEqual([
        [1, 10],
        [2, 9],
        [3, 11],
      ]);
    });

    it('counts unread mentions in convs: past the read marker, recomputed by edits, dropped by deletes', async () => {
      const store = getStore();
      const room = uid('r');
      const conv = `room:${room}`;
      const mentionsOf = async (user: string) =>
        (await store.convs(user, [room], false)).find((c) => c.conv === conv)?.mentions;
      const say = (from: string, mentions: string[]) =>
        store.append({ conv, from, cid: uid('c'), text: mentions.map((m) => `@${m}`).join(' '), mentions });
      await say('alice', ['bob', 'carol']); // 1
      await say('alice', ['bob']); // 2
      await say('bob', ['bob']); // 3: one's own mention is none
      await say('carol', ['bob']); // 4
      expect(await mentionsOf('carol')).toBeUndefined(); // carol wrote 4: her marker is at 4
      expect(await mentionsOf('bob')).toBe(1); // bob wrote 3: his marker is at 3, below carol's 4
      expect(await store.markRead('bob', conv, 0)).toBe(3);
      await say('alice', ['bob']); // 5
      expect(await mentionsOf('bob')).toBe(2);
      await store.change(change(conv, 5, 'alice', 'edit', { text: 'no one' }));
      expect(await mentionsOf('bob')).toBe(1);
      await store.change(change(conv, 4, 'carol', 'delete'));
      expect(await mentionsOf('bob')).toBeUndefined();
      await store.change(change(conv, 5, 'alice', 'edit', { text: '@bob', mentions: ['bob'] }));
      expect(await mentionsOf('bob')).toBe(1);
      await store.markRead('bob', conv, 5);
      expect(await mentionsOf('bob')).toBeUndefined();
    });

    it('answers the changes after a ver as current states in ver order, fresh when created after it', async () => {
      const store = getStore();
      const conv = `room:${uid('r')}`;
      for (let i = 1; i <= 4; i++) await store.append({ conv, from: 'alice', cid: uid('c'), text: `m${i}` });
      await store.change(change(conv, 2, 'alice', 'edit', { text: 'm2 edited' })); // ver 5
      await store.change(change(conv, 1, 'bob', 'react', { emoji: '👍' })); // ver 6
      await store.change(change(conv, 2, 'bob', 'react', { emoji: '👍' })); // ver 7
      const all = await store.changes(conv, { after: 3, limit: 10 });
      expect(all.ver).toBe(7);
      expect(all.more).toBe(false);
      expect(all.changes.map((c) => [c.msg.seq, c.msg.ver, c.fresh])).toEqual([
        [4, 4, true],
        [1, 6, false],
        [2, 7, false],
      ]);
      expect(all.changes[2].msg).toMatchObject({ text: 'm2 edited', reactions: [{ emoji: '👍', count: 1 }] });
      const paged = await store.changes(conv, { after: 0, limit: 2 });
      expect(paged.more).toBe(true);
      expect(paged.changes.map((c) => c.msg.seq)).toEqual([3, 4]);
      const old = await store.changes(conv, { after: 4, maxSeq: 1, limit: 10 });
      expect(old.changes.map((c) => c.msg.seq)).toEqual([1]);
      const both = await store.changes(conv, { after: 4, maxSeq: 1, newAfter: 3, limit: 10 });
      expect(both.changes.map((c) => c.msg.seq)).toEqual([1]);
      const withNew = await store.changes(conv, { after: 0, maxSeq: 1, newAfter: 3, limit: 10 });
      expect(withNew.changes.map((c) => c.msg.seq)).toEqual([4, 1]);
      expect(await store.changes(`room:${uid('none')}`, { after: 0, limit: 5 })).toEqual({
        changes: [],
        ver: 0,
        more: false,
      });
    });

    it('deletes to a tombstone that takes no edit, reaction or pin, and empties the previews of replies', async () => {
      const store = getStore();
      const conv = `room:${uid('r')}`;
      const att = [{ url: 'https://example.com/a.png', type: 'image/png', name: 'a.png', size: 3 }];
      const first = await store.append({
        conv,
        from: 'alice',
        cid: uid('c'),
        text: '@bob hi',
        attachments: att,
        mentions: ['bob'],
      });
      await store.append({
        conv,
        from: 'bob',
        cid: uid('c'),
        text: 'answer',
        reply: { seq: 1, from: 'alice', preview: '@bob hi' },
      });
      await store.change(change(conv, 1, 'bob', 'react', { emoji: '👍' }));
      await store.change(change(conv, 1, 'alice', 'pin'));
      const del = await store.change(change(conv, 1, 'alice', 'delete'));
      expect(del.changed).toBe(true);
      expect(del.attachments).toEqual(att);
      const tomb = await store.message(conv, 1);
      expect(Object.keys(tomb ?? {}).sort()).toEqual([
        'cid',
        'conv',
        'deleted',
        'from',
        'mid',
        'seq',
        'ts',
        'ver',
      ]);
      expect(tomb).toMatchObject({ seq: 1, mid: first.stored.mid, from: 'alice', ver: del.ver });
      expect((await store.message(conv, 2))?.reply).toEqual({ seq: 1, from: 'alice', preview: '' });
      expect(await store.pins(conv)).toEqual([]);
      expect(await store.change(change(conv, 1, 'alice', 'delete'))).toMatchObject({
        changed: false,
        gone: true,
      });
      for (const op of ['edit', 'react', 'pin'] as const) {
        expect(await code(store.change(change(conv, 1, 'alice', op, { text: 'x', emoji: '👍' })))).toBe(
          'not_found',
        );
      }
      expect(await code(store.change(change(conv, 9, 'alice', 'edit', { text: 'x' })))).toBe('not_found');
      expect(await code(store.change(change(`room:${uid('none')}`, 1, 'alice', 'pin')))).toBe('not_found');
    });

    it('refuses a 21st emoji and a 51st pin with too_large, and what check refuses', async () => {
      const store = getStore();
      const conv = `room:${uid('r')}`;
      for (let i = 0; i < 51; i++) await store.append({ conv, from: 'alice', cid: uid('c'), text: `m${i}` });
      for (let i = 0; i < 20; i++) await store.change(change(conv, 1, 'bob', 'react', { emoji: `e${i}` }));
      expect(await code(store.change(change(conv, 1, 'bob', 'react', { emoji: 'e20' })))).toBe('too_large');
      // Another user on a known emoji is fine.
      expect((await store.change(change(conv, 1, 'carol', 'react', { emoji: 'e0' }))).changed).toBe(true);
      for (let i = 1; i <= 50; i++) await store.change(change(conv, i, 'alice', 'pin'));
      expect(await code(store.change(change(conv, 51, 'alice', 'pin')))).toBe('too_large');
      expect((await store.pins(conv)).map((m) => m.seq).slice(0, 2)).toEqual([50, 49]);
      const before = (await store.message(conv, 2))?.ver;
      const refuse = () => {
        throw new NatterError('forbidden', 'seq: no');
      };
      expect(await code(store.change(change(conv, 2, 'eve', 'edit', { text: 'x', check: refuse })))).toBe(
        'forbidden',
      );
      expect((await store.message(conv, 2))?.ver).toBe(before);
      // A refused change takes no ver: the next append is the next one.
      const latest = (await store.convs('alice', [conv.slice(5)], false))[0].ver;
      expect((await store.append({ conv, from: 'alice', cid: uid('c'), text: 'x' })).stored.ver).toBe(
        latest + 1,
      );
    });
  });
}
