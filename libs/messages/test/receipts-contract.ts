import { dmConv } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../src/store.ts';
import { uid } from './store-contract.ts';

/** The delivery-marker part of the MessageStore contract (src/store.ts), for every implementation. */
export function receiptsContract(name: string, getStore: () => MessageStore): void {
  describe(`MessageStore receipts contract: ${name}`, () => {
    async function conversation(store: MessageStore, conv: string, from: string, n: number) {
      for (let i = 1; i <= n; i++) await store.append({ conv, from, cid: uid('c'), text: 'x' });
    }

    it('moves a delivery marker forward only, clamped to the latest seq, answering only a move', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      await conversation(store, conv, b, 5);
      expect(await store.markReceived(a, conv, 3)).toBe(3);
      expect(await store.markReceived(a, conv, 3)).toBeUndefined();
      expect(await store.markReceived(a, conv, 2)).toBeUndefined();
      expect(await store.markReceived(a, conv, 99)).toBe(5);
      expect(await store.markReceived(a, conv, 6)).toBeUndefined();
      expect(await store.markReceived(a, `room:${uid('empty')}`, 4)).toBeUndefined();
      const peerOfB = (await store.convs(b, [], true)).find((c) => c.conv === conv)?.peer;
      expect(peerOfB).toEqual({ received: 5, read: 0 });
    });

    it('counts what a user read as received: a read moves the marker, a lower received is no move', async () => {
      const store = getStore();
      const [a, b] = [uid('a'), uid('b')];
      const conv = dmConv(a, b);
      await conversation(store, conv, b, 6);
      expect(await store.markReceived(a, conv, 2)).toBe(2);
      expect(await store.markRead(a, conv, 4)).toBe(4);
      expect((await store.convs(b, [], true)).find((c) => c.conv === conv)?.peer).toEqual({
        received: 4,
        read: 4,
      });
      expect(await store.markReceived(a, conv, 3)).toBeUndefined();
      expect(await store.markReceived(a, conv, 4)).toBeUndefined();
      expect(await store.markReceived(a, conv, 5)).toBe(5);
      // The sender's read marker moves with each send, so its peer sees it as received.
      expect((await store.convs(a, [], true)).find((c) => c.conv === conv)?.peer).toEqual({
        received: 6,
        read: 6,
      });
    });

    it('lists the members at or past a seq, sorted, at most limit each', async () => {
      const store = getStore();
      const room = `room:${uid('r')}`;
      const [a, b, c, d, gone] = ['a', 'b', 'c', 'd', 'e'].map(uid).sort();
      await conversation(store, room, a, 10);
      await store.markRead(b, room, 7);
      await store.markReceived(c, room, 9);
      await store.markReceived(d, room, 3);
      await store.markRead(gone, room, 10);
      const members = [d, c, b, a];
      expect(await store.receipts(room, 7, members, 200)).toEqual({ read: [a, b], received: [a, b, c] });
      expect(await store.receipts(room, 10, members, 200)).toEqual({ read: [a], received: [a] });
      expect(await store.receipts(room, 3, members, 200)).toEqual({ read: [a, b], received: [a, b, c, d] });
      expect(await store.receipts(room, 3, members, 2)).toEqual({ read: [a, b], received: [a, b] });
      expect(await store.receipts(room, 3, [], 200)).toEqual({ read: [], received: [] });
    });
  });
}
