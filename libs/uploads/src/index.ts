export { BodyAbortedError, BodyTooLargeError, readBodyLimited } from './body.ts';
export { bearerToken, sendError, sendJson, sendJsonText } from './http.ts';
export { MemoryUploadStore } from './memory-store.ts';
export { migrateUploads, UPLOADS_MIGRATIONS_DIR, UPLOADS_MIGRATIONS_TABLE } from './migrations.ts';
export { PgUploadStore } from './pg-store.ts';
export type { UploadRoutesOptions } from './routes.ts';
export { uploadRoutes } from './routes.ts';
export type { NewUpload, StoredUpload, UploadStore } from './store.ts';
export {
  newUploadId,
  QUOTA_WINDOW_MS,
  UPLOAD_ID_RE,
  UploadConflictError,
  UploadQuotaError,
  UploadStoreError,
} from './store.ts';
export type { UploadType } from './types.ts';
export { baseMediaType, isUploadType, sniffType, UPLOAD_TYPES } from './types.ts';
