import { randomBytes } from 'node:crypto';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../src/store.ts';

const uid = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

/** The thread part of the MessageStore contract (src/store.ts, appends with `thread`). */
export function threadContract(name: string, getStore: () => MessageStore): void {
  describe(`MessageStore thread contract: ${name}`, () => {
    it('appends to a thread with its own seq and ver, and changes the root summary with the parent ver', async () => {
      const store = getStore();
      const parent = `room:${uid('r')}`;
      await store.append({ conv: parent, from: 'alice', cid: uid('c'), text: 'root' });
      const conv = `thread:${parent}:1`;
      const thread = { parent, seq: 1 };
      const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
      const results = [];
      for (const u of [...users, 'u0']) {
        results.push(await store.append({ conv, from: u, cid: uid('c'), text: `by ${u}`, thread }));
      }
      expect(results.map((r) => r.stored.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      expect(results.map((r) => r.stored.ver)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      expect(results.map((r) => r.root?.ver)).toEqual(Array.from({ length: 13 }, (_, i) => i + 2));
      const last = results.at(-1)!;
      expect(last.root).toEqual({
        conv: parent,
        seq: 1,
        ver: 14,
        thread: { replies: 13, last: last.stored.ts, users: users.slice(0, 10) },
      });
      expect(await store.message(parent, 1)).toMatchObject({ ver: 14, thread: last.root!.thread });
      // The root's change is in the parent's changes after the ver the reader had.
      const changes = await store.changes(parent, { after: 13, limit: 10 });
      expect(changes.changes.map((c) => [c.msg.seq, c.msg.ver, c.fresh])).toEqual([[1, 14, false]]);
      // A repeat stores nothing and changes no summary.
      const again = await store.append({ conv, from: 'u0', cid: results[0].stored.cid!, text: 'x', thread });
      expect(again).toMatchObject({ duplicate: true, stored: { seq: 1 } });
      expect(again.root).toBeUndefined();
      expect((await store.message(parent, 1))?.ver).toBe(14);
    });

    it('refuses a thread of no message with not_found and stores nothing', async () => {
      const store = getStore();
      const tag = uid('');
      // `a…` sorts before `b…`: a well-formed DM id.
      const parent = `dm:a${tag}:b${tag}`;
      const [a] = parent.slice(3).split(':');
      for (const conv of [`thread:${parent}:1`, `thread:room:${uid('r')}:1`]) {
        const at = conv.slice(7, conv.lastIndexOf(':'));
        const p = store.append({ conv, from: a, cid: uid('c'), text: 'x', thread: { parent: at, seq: 1 } });
        await expect(p).rejects.toBeInstanceOf(NatterError);
        await expect(p).rejects.toMatchObject({ code: 'not_found' });
        expect(await store.latestSeq(conv)).toBe(0);
      }
      await store.append({ conv: parent, from: a, cid: uid('c'), text: 'root' });
      const missing = `thread:${parent}:2`;
      await expect(
        store.append({ conv: missing, from: a, cid: uid('c'), text: 'x', thread: { parent, seq: 2 } }),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect((await store.message(parent, 1))?.ver).toBe(1);
      expect(await store.latestSeq(missing)).toBe(0);
    });

    it('lists a thread in convs for its writers and mentioned users only, a room thread with its room', async () => {
      const store = getStore();
      const room = uid('r');
      const parent = `room:${room}`;
      await store.append({ conv: parent, from: 'alice', cid: uid('c'), text: 'root' });
      const conv = `thread:${parent}:1`;
      const bob = uid('bob');
      const carol = uid('carol');
      const dave = uid('dave');
      await store.append({
        conv,
        from: bob,
        cid: uid('c'),
        text: 'hi',
        mentions: [carol],
        thread: { parent, seq: 1 },
      });
      const has = async (user: string, rooms: string[]) =>
        (await store.convs(user, rooms, true)).some((c) => c.conv === conv);
      expect(await has(bob, [room])).toBe(true);
      expect(await has(carol, [room])).toBe(true);
      expect(await has(dave, [room])).toBe(false);
      // Not in the room now: not listed.
      expect(await has(bob, [])).toBe(false);
      expect((await store.convs(bob, [room], true)).find((c) => c.conv === conv)).toEqual({
        conv,
        seq: 1,
        ver: 1,
        read: 1,
      });
    });
  });
}
