import {
  type NewUpload,
  quotaWaitOf,
  type StoredUpload,
  UploadConflictError,
  UploadQuotaError,
  type UploadStore,
} from './store.ts';

/** UploadStore in this process's memory: unit tests, and a gateway run without a database. */
export class MemoryUploadStore implements UploadStore {
  private readonly uploads = new Map<string, StoredUpload>();

  async put(upload: NewUpload, quota?: number): Promise<void> {
    if (this.uploads.has(upload.id)) throw new UploadConflictError(`upload ${upload.id} exists`);
    if (quota !== undefined) {
      // Synchronous from this check to the set below, so racing puts cannot both pass.
      const wait = this.waitFor(upload.owner, upload.bytes.length, quota);
      if (wait > 0) throw new UploadQuotaError(`upload ${upload.id}: over ${upload.owner}'s quota`, wait);
    }
    // A copy: the caller's buffer may be reused, and stored uploads are immutable.
    const bytes = Buffer.from(upload.bytes);
    this.uploads.set(upload.id, { ...upload, bytes, size: bytes.length, createdAt: new Date() });
  }

  async get(id: string): Promise<StoredUpload | undefined> {
    const u = this.uploads.get(id);
    return u && { ...u, bytes: Buffer.from(u.bytes) };
  }

  async quotaWait(owner: string, bytes: number, quota: number): Promise<number> {
    return this.waitFor(owner, bytes, quota);
  }

  private waitFor(owner: string, bytes: number, quota: number): number {
    const own = [...this.uploads.values()].filter((u) => u.owner === owner);
    return quotaWaitOf(own, bytes, quota, Date.now());
  }
}
