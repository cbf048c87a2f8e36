import { randomBytes } from 'node:crypto';

/** An upload as stored: its bytes and what they were checked to be. */
export interface StoredUpload {
  /** `u_` + base64url of 16 random bytes (128 bits): the URL is the capability. */
  id: string;
  /** The MIME type the bytes were checked against (one of UPLOAD_TYPES). */
  type: string;
  size: number;
  /** Who uploaded it (the token's user). */
  owner: string;
  createdAt: Date;
  bytes: Buffer;
}

export type NewUpload = Omit<StoredUpload, 'createdAt' | 'size'>;

/** The window of the per-user upload quota: a rolling 24 hours, not a calendar day. */
export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Where uploaded bytes live, shared by every gateway of a deployment (so an upload made
 * through one gateway is served by all of them).
 *
 * Contract:
 * - `put` is durable when it resolves: a `get` of the id from any process then finds it.
 *   Ids are unique; a `put` of an id that exists rejects with UploadConflictError and changes
 *   nothing (with 128 random bits it means a bug, never a collision).
 * - `get` returns exactly the bytes and type that were put, or undefined for an unknown id.
 * - Uploads are immutable: there is no update (callers may cache them forever).
 * - `quotaWait(owner, bytes, quota)` is how many ms must pass before `owner` may store
 *   `bytes` more without their uploads of the last QUOTA_WINDOW_MS passing `quota` bytes:
 *   0 when they fit now, the time until enough of the oldest ones leave the window
 *   otherwise, and QUOTA_WINDOW_MS when `bytes` alone is more than `quota`.
 * - `put` with a `quota` stores only when `quotaWait` is 0, checked atomically with the
 *   insert against every process on the same backend (two racing puts cannot both pass);
 *   otherwise it rejects with UploadQuotaError and stores nothing.
 * - A backend that cannot answer (connection lost, database down) rejects with an error
 *   whose `cause` is the backend's; the HTTP routes answer it `unavailable`.
 */
export interface UploadStore {
  put(upload: NewUpload, quota?: number): Promise<void>;
  get(id: string): Promise<StoredUpload | undefined>;
  quotaWait(owner: string, bytes: number, quota: number): Promise<number>;
}

/** `put` over the owner's quota; `retryAfterMs` is the `quotaWait` that refused it. */
export class UploadQuotaError extends Error {
  override readonly name = 'UploadQuotaError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** `put` of an id that is already stored. */
export class UploadConflictError extends Error {
  override readonly name = 'UploadConflictError';
}

/** A backend failure (connection, query); `cause` has the backend's error. */
export class UploadStoreError extends Error {
  override readonly name = 'UploadStoreError';
}

/** The shape of every upload id: `u_` and 22 base64url characters (128 random bits). */
export const UPLOAD_ID_RE = /^u_[A-Za-z0-9_-]{22}$/;

export function newUploadId(): string {
  return `u_${randomBytes(16).toString('base64url')}`;
}

/**
 * `quotaWait` over a list of one owner's uploads (any order), for stores that keep them in
 * memory; PgUploadStore computes the same in SQL.
 */
export function quotaWaitOf(
  uploads: readonly { size: number; createdAt: Date }[],
  bytes: number,
  quota: number,
  now: number,
): number {
  if (bytes > quota) return QUOTA_WINDOW_MS;
  const recent = uploads
    .filter((u) => u.createdAt.getTime() > now - QUOTA_WINDOW_MS)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const used = recent.reduce((sum, u) => sum + u.size, 0);
  const excess = used + bytes - quota;
  if (excess <= 0) return 0;
  // The oldest uploads leave the window first: wait until enough of them have.
  let freed = 0;
  for (const u of recent) {
    freed += u.size;
    if (freed >= excess) return Math.max(1, u.createdAt.getTime() + QUOTA_WINDOW_MS - now);
  }
  return QUOTA_WINDOW_MS; // unreachable: bytes <= quota, so freeing everything suffices
}
