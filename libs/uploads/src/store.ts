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
 * - A backend that cannot answer (connection lost, database down) rejects with an error
 *   whose `cause` is the backend's; the HTTP routes answer it `unavailable`.
 */
export interface UploadStore {
  put(upload: NewUpload): Promise<void>;
  get(id: string): Promise<StoredUpload | undefined>;
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
