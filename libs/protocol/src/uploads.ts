/** The MIME types an upload may have (docs/protocol.md, "HTTP API"): server and clients share them. */
export const UPLOAD_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const UPLOAD_AUDIO_TYPES = ['audio/webm', 'audio/ogg', 'audio/mpeg', 'audio/mp4'] as const;
export const UPLOAD_TYPES = [...UPLOAD_IMAGE_TYPES, ...UPLOAD_AUDIO_TYPES] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

export function isUploadType(s: string): s is UploadType {
  return (UPLOAD_TYPES as readonly string[]).includes(s);
}

/** `image/png; charset=x` -> `image/png`; lower case, no parameters. */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * An attachment URL that names an upload on the server the client is talking to
 * (`/v1/uploads/<id>`, as `POST /v1/uploads` returns it). Any other attachment URL is remote:
 * whoever runs its host sees each reader who loads it.
 */
export function isUploadPath(url: string): boolean {
  return /^\/v1\/uploads\/u_[A-Za-z0-9_-]{16,64}$/.test(url);
}
