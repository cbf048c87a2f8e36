import { randomBytes } from 'node:crypto';
import { dmConv } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../src/store.ts';

/** Unique names per test, so every test can share one store (and one database). */
export function uid(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

const MID_RE = /^m_[0-9A-HJKMNP-TV-Z]{26}$/;
const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The MessageStore contract (src/store.ts), run against every implementation. */
export function storeContract(name: string, getStore: () => MessageStore): void {
  describe(`MessageStore contract: ${name}`, () => {
    it('assigns seq from 1 per conversation, a mid and a ts, and keeps text, attachments and cid', async () => {
      const store = getStore();
      const a = uid('a');
      const r1 = `room:${uid('r')}`;
      const r2 = `room:${uid('r')}`;
      const first = await store.append({ conv: r1, from: a, cid: 'c1', text: 'hello' });
      const second = await store.append({ conv: r1, from: a, cid: 'c2', text: 'again' });
      const other = await store.append({ conv: r2, from: a, cid: 'c3', text: 'elsewhere' });
      expect(first.duplicate).toBe(false);
      expect(first.stored).toMatchObject({ conv: r1, seq: 1, from: a, cid: 'c1', text: 'hello' });
      expect(second.stored.seq).toBe(2);
      expect(other.stored.seq).toBe(1);
      expect(first.stored.mid).toMatch(MID_RE);
      expect(first.stored.ts).toMatch(TS_RE);
      expect(new Set([first.stored.mid, second.stored.mid, other.stored.mid]).size).toBe(3);
      expect(await store.latestSeq(r1)).toBe(2);
      expect(await store.latestSeq(`room:${uid('none')}`)).toBe(0);

      const att = [
        { url: 'https://example.com/x.png', type: 'image/png', name: 'x.png', size: 12, width: 3 },
      ];
      const withAtt = await store.append({ conv: r2, from: a, cid: 'c4', attachments: att });
      const page = await store.query(r2, { limit: 10 });
      expect(page.messages).toEqual([other.stored, withAtt.stored]);
      expect(page.messages[1].attachments).toEqual(att);
      expect('text' in page.messages[1]).toBe(false);
      expect('attachments' in page.messages[0]).toBe(false);
    });

    it('gives 1000 concurrent appends to one conversation from two senders seq 1..1000 exactly', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          store.append({ conv, from: i % 2 ? a : b, cid: `c${i}`, text: `m${i}` }),
        ),
      );
      const seqs = results.map((r) => r.stored.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(new Set(results.map((r) => r.stored.mid)).size).toBe(1000);
      expect(await store.latestSeq(conv)).toBe(1000);
      // What the appends answered is what history holds.
      const stored = [
        ...(await store.query(conv, { after: 0, limit: 200 })).messages,
        ...(await store.query(conv, { after: 200, limit: 200 })).messages,
      ];
      const bySeq = new Map(results.map((r) => [r.stored.seq, r.stored]));
      for (const m of stored) expect(m).toEqual(bySeq.get(m.seq));
    });

    it('answers a repeated (from, cid) with the first message and stores nothing', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      const first = await store.append({ conv, from: a, cid: 'same', text: 'one' });
      const again = await store.append({ conv, from: a, cid: 'same', text: 'two' });
      expect(again).toEqual({ stored: first.stored, duplicate: true });
      // Even when the retry names another conversation: (from, cid) is the key.
      const elsewhere = await store.append({ conv: `room:${uid('r')}`, from: a, cid: 'same', text: 'x' });
      expect(elsewhere).toEqual({ stored: first.stored, duplicate: true });
      // Another sender's cid is its own.
      const other = await store.append({ conv, from: b, cid: 'same', text: 'three' });
      expect(other.duplicate).toBe(false);
      expect(other.stored.seq).toBe(2);
      expect((await store.query(conv, { limit: 10 })).messages.map((m) => m.text)).toEqual(['one', 'three']);
    });

    it('stores one message for concurrent repeats of each cid, gap-free', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      const sends = Array.from({ length: 300 }, (_, i) => ({
        conv,
        from: a,
        cid: `c${i % 150}`,
        text: `t${i}`,
      }));
      const results = await Promise.all(sends.map((s) => store.append(s)));
      expect(await store.latestSeq(conv)).toBe(150);
      const byCid = new Map<string, number>();
      for (const r of results) {
        const seen = byCid.get(r.stored.cid!);
        if (seen === undefined) byCid.set(r.stored.cid!, r.stored.seq);
        else expect(r.stored.seq).toBe(seen);
      }
      expect([...byCid.values()].sort((x, y) => x - y)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(results.filter((r) => r.duplicate)).toHaveLength(150);
    });

    it('pages with before, after and limit, oldest first, with more', async () => {
      const store = getStore();
      const a = uid('a');
      const conv = `room:${uid('r')}`;
      for (let i = 1; i <= 10; i++) await store.append({ conv, from: a, cid: `c${i}`, text: `t${i}` });
      const seqs = async (opts: { before?: number; after?: number; limit: number }) => {
        const page = await store.query(conv, opts);
        return { seqs: page.messages.map((m) => m.seq), more: page.more };
      };
      expect(await seqs({ limit: 3 })).toEqual({ seqs: [8, 9, 10], more: true });
      expect(await seqs({ limit: 10 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], more: false });
      expect(await seqs({ before: 8, limit: 3 })).toEqual({ seqs: [5, 6, 7], more: true });
      expect(await seqs({ before: 3, limit: 5 })).toEqual({ seqs: [1, 2], more: false });
      expect(await seqs({ before: 1, limit: 5 })).toEqual({ seqs: [], more: false });
      expect(await seqs({ before: 50, limit: 2 })).toEqual({ seqs: [9, 10], more: true });
      expect(await seqs({ after: 0, limit: 4 })).toEqual({ seqs: [1, 2, 3, 4], more: true });
      expect(await seqs({ after: 8, limit: 4 })).toEqual({ seqs: [9, 10], more: false });
      expect(await seqs({ after: 6, limit: 4 })).toEqual({ seqs: [7, 8, 9, 10], more: false });
      expect(await seqs({ after: 10, limit: 4 })).toEqual({ seqs: [], more: false });
      expect(await seqs({ after: 2, before: 6, limit: 10 })).toEqual({ seqs: [3, 4, 5], more: false });
      expect(await seqs({ after: 2, before: 6, limit: 2 })).toEqual({ seqs: [3, 4], more: true });
      expect(await store.query(`room:${uid('none')}`, { limit: 5 })).toEqual({ messages: [], more: false });
    });

    it("lists the given rooms and the user's DMs with seq and read marker, sorted", async () => {
      const store = getStore();
      const [a, b, c] = [uid('a'), uid('b'), uid('c')];
      const [busy, quiet] = [uid('busy'), uid('quiet')];
      await store.append({ conv: `room:${busy}`, from: b, cid: 'r1', text: 'x' });
      await store.append({ conv: `room:${busy}`, from: b, cid: 'r2', text: 'x' });
      await store.append({ conv: dmConv(a, b), from: b, cid: 'd1', text: 'x' });
      await store.append({ conv: dmConv(a, a), from: a, cid: 'd2', text: 'note to self' });
      await store.append({ conv: dmConv(b, c), from: c, cid: 'd3', text: 'not for a' });
      expect(await store.markRead(a, `room:${busy}`, 1)).toBe(1);

      const convs = await store.convs(a, [quiet, busy], true);
      const expected = [
        // A DM's peer: the other user's markers (one's own in a DM with oneself).
        { conv: dmConv(a, a), seq: 1, ver: 1, read: 1, peer: { received: 1, read: 1 } },
        { conv: dmConv(a, b), seq: 1, ver: 1, read: 0, peer: { received: 1, read: 1 } },
        { conv: `room:${busy}`, seq: 2, ver: 2, read: 1 },
        { conv: `room:${quiet}`, seq: 0, ver: 0, read: 0 },
      ].sort((x, y) => (x.conv < y.conv ? -1 : 1));
      expect(convs).toEqual(expected);
      expect(await store.convs(a, [busy], false)).toEqual([
        { conv: `room:${busy}`, seq: 2, ver: 2, read: 1 },
      ]);
      expect(await store.convs(c, [], true)).toEqual([
        { conv: dmConv(b, c), seq: 1, ver: 1, read: 1, peer: { received: 0, read: 0 } },
      ]);
      expect(await store.convs(uid('nobody'), [], true)).toEqual([]);
    });

    it('moves a read marker forward only, clamped to the latest seq', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      for (let i = 1; i <= 5; i++) await store.append({ conv, from: b, cid: `c${i}`, text: 'x' });
      expect(await store.markRead(a, conv, 3)).toBe(3);
      expect(await store.markRead(a, conv, 2)).toBe(3);
      expect(await store.markRead(a, conv, 99)).toBe(5);
      expect(await store.markRead(a, conv, 4)).toBe(5);
      // b wrote all five, and one has read what one wrote.
      expect(await store.markRead(b, conv, 1)).toBe(5);
      expect(await store.markRead(a, `room:${uid('empty')}`, 7)).toBe(0);
      expect((await store.convs(a, [], true)).find((c) => c.conv === conv)?.read).toBe(5);
    });

    it("moves the sender's read marker up to its own message, never back", async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      await store.append({ conv, from: a, cid: 's1', text: 'x' });
      await store.append({ conv, from: b, cid: 's2', text: 'x' });
      await Promise.all([3, 4, 5].map((i) => store.append({ conv, from: a, cid: `s${i}`, text: 'x' })));
      const read = (u: string) =>
        store.convs(u, [], true).then((cs) => cs.find((c) => c.conv === conv)?.read);
      expect(await read(a)).toBe(5);
      expect(await read(b)).toBe(2);
      expect(await store.markRead(b, conv, 4)).toBe(4);
      await store.append({ conv, from: a, cid: 's1', text: 'x' });
      expect(await read(a)).toBe(5);
    });

    it('answers ping', async () => {
      await expect(getStore().ping()).resolves.toBeUndefined();
    });
  });
}
