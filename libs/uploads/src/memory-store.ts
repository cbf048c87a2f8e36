import { type NewUpload, type StoredUpload, UploadConflictError, type UploadStore } from './store.ts';

/** UploadStore in this process's memory: unit tests, and a gateway run without a database. */
export class MemoryUploadStore implements UploadStore {
  private readonly uploads = new Map<string, StoredUpload>();

  async put(upload: NewUpload): Promise<void> {
    if (this.uploads.has(upload.id)) throw new UploadConflictError(`upload ${upload.id} exists`);
    // A copy: the caller's buffer may be reused, and stored uploads are immutable.
    const bytes = Buffer.from(upload.bytes);
    this.uploads.set(upload.id, { ...upload, bytes, size: bytes.length, createdAt: new Date() });
  }

  async get(id: string): Promise<StoredUpload | undefined> {
    const u = this.uploads.get(id);
    return u && { ...u, bytes: Buffer.from(u.bytes) };
  }
}
