import { describe, expect, it } from 'vitest';
import {
  newUploadId,
  QUOTA_WINDOW_MS,
  UploadConflictError,
  UploadQuotaError,
  type UploadStore,
} from '../src/store.ts';
import { PNG_1X1 } from './samples.ts';

/** The UploadStore contract (src/store.ts), run against every implementation. */
export function uploadStoreContract(name: string, getStore: () => UploadStore): void {
  describe(`UploadStore contract: ${name}`, () => {
    it('get returns exactly what put stored', async () => {
      const store = getStore();
      const id = newUploadId();
      await store.put({ id, type: 'image/png', owner: 'alice', bytes: PNG_1X1 });
      const got = await store.get(id);
      expect(got).toMatchObject({ id, type: 'image/png', owner: 'alice', size: PNG_1X1.length });
      expect(Buffer.compare(got!.bytes, PNG_1X1)).toBe(0);
      expect(got!.createdAt).toBeInstanceOf(Date);
    });

    it('keeps every byte value, including zeros and high bytes', async () => {
      const store = getStore();
      const id = newUploadId();
      const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      await store.put({ id, type: 'audio/ogg', owner: 'bob', bytes });
      expect(Buffer.compare((await store.get(id))!.bytes, bytes)).toBe(0);
    });

    it('an unknown id is undefined', async () => {
      expect(await getStore().get(newUploadId())).toBeUndefined();
    });

    it('a put of an existing id is a conflict and changes nothing', async () => {
      const store = getStore();
      const id = newUploadId();
      await store.put({ id, type: 'image/png', owner: 'alice', bytes: PNG_1X1 });
      await expect(
        store.put({ id, type: 'audio/ogg', owner: 'mallory', bytes: Buffer.from('OggS') }),
      ).rejects.toBeInstanceOf(UploadConflictError);
      expect(await store.get(id)).toMatchObject({ type: 'image/png', owner: 'alice' });
    });

    it('a stored upload does not change when the caller reuses its buffer', async () => {
      const store = getStore();
      const id = newUploadId();
      const bytes = Buffer.from(PNG_1X1);
      await store.put({ id, type: 'image/png', owner: 'alice', bytes });
      bytes.fill(0);
      expect(Buffer.compare((await store.get(id))!.bytes, PNG_1X1)).toBe(0);
    });

    it('handles concurrent puts of distinct ids', async () => {
      const store = getStore();
      const ids = Array.from({ length: 20 }, () => newUploadId());
      await Promise.all(ids.map((id) => store.put({ id, type: 'image/png', owner: 'x', bytes: PNG_1X1 })));
      const got = await Promise.all(ids.map((id) => store.get(id)));
      expect(got.every((u) => u?.size === PNG_1X1.length)).toBe(true);
    });

    it('quotaWait is 0 while the bytes fit, and put with a quota refuses what does not', async () => {
      const store = getStore();
      const owner = `q-${newUploadId()}`;
      const quota = 3 * PNG_1X1.length;
      for (let i = 0; i < 3; i++) {
        expect(await store.quotaWait(owner, PNG_1X1.length, quota)).toBe(0);
        await store.put({ id: newUploadId(), type: 'image/png', owner, bytes: PNG_1X1 }, quota);
      }
      const wait = await store.quotaWait(owner, 1, quota);
      // The oldest upload leaves the window in just under 24 hours.
      expect(wait).toBeGreaterThan(QUOTA_WINDOW_MS - 60_000);
      expect(wait).toBeLessThanOrEqual(QUOTA_WINDOW_MS);
      const id = newUploadId();
      const refused = store.put({ id, type: 'image/png', owner, bytes: PNG_1X1 }, quota);
      await expect(refused).rejects.toBeInstanceOf(UploadQuotaError);
      await expect(refused).rejects.toMatchObject({ retryAfterMs: expect.any(Number) });
      expect(await store.get(id)).toBeUndefined();
      // Others have their own quota, and a put without one is not counted against it.
      expect(await store.quotaWait(`other-${owner}`, PNG_1X1.length, quota)).toBe(0);
      await store.put({ id: newUploadId(), type: 'image/png', owner, bytes: PNG_1X1 });
    });

    it('quotaWait for more bytes than the quota is the whole window', async () => {
      expect(await getStore().quotaWait(`q-${newUploadId()}`, 11, 10)).toBe(QUOTA_WINDOW_MS);
    });

    it('racing puts with a quota never store more than it', async () => {
      const store = getStore();
      const owner = `race-${newUploadId()}`;
      const quota = 2 * PNG_1X1.length;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          store.put({ id: newUploadId(), type: 'image/png', owner, bytes: PNG_1X1 }, quota),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.every((r) => r.reason instanceof UploadQuotaError)).toBe(true);
    });
  });
}
