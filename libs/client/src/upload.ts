import {
  type Attachment,
  baseMediaType,
  isUploadType,
  UPLOAD_AUDIO_TYPES,
  UPLOAD_IMAGE_TYPES,
} from '@natter/protocol';

/** What `POST /v1/uploads` accepts (docs/protocol.md, "HTTP API"). */
export const IMAGE_TYPES: readonly string[] = UPLOAD_IMAGE_TYPES;
export const AUDIO_TYPES: readonly string[] = UPLOAD_AUDIO_TYPES;

/** An upload the server refused or could not take; the message says which file and why. */
export class UploadError extends Error {
  override readonly name = 'UploadError';
}

/** `audio/webm;codecs=opus` -> `audio/webm`. */
export const baseType = (type: string): string => baseMediaType(type);

export function isUploadable(type: string): boolean {
  return isUploadType(baseMediaType(type));
}

/** The http(s) origin of a gateway's ws(s) URL, where `/v1/uploads` is served. */
export function httpBaseOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
}

export interface UploadOptions {
  /** The gateway's http(s) origin (`httpBaseOf`), or '' for the page's own origin. */
  base: string;
  /** hello's `token` (NatterClient.token): uploads take the same credential as the HTTP API. */
  token: string | undefined;
  body: Blob | Uint8Array;
  /** The declared type; the server checks it against the bytes. */
  type: string;
  /** The file name shown to others (up to 255 characters are kept). */
  name: string;
  fetch?: typeof fetch;
}

/**
 * Uploads bytes (`POST /v1/uploads`) and returns the attachment to send with them. The URL
 * that comes back is a path on the gateway's origin (`/v1/uploads/u_...`). Plain `fetch`:
 * works in browsers and in Node.
 */
export async function uploadFile(o: UploadOptions): Promise<Attachment> {
  const type = baseType(o.type);
  if (!isUploadable(type)) throw new UploadError(`${o.name}: ${type || 'this kind of file'} cannot be sent`);
  if (!o.token) throw new UploadError('not signed in yet; try again in a moment');
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(`${o.base}/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': type },
      body: o.body as BodyInit,
    });
  } catch (cause) {
    throw new UploadError(`${o.name}: the upload failed (network); try again`, { cause });
  }
  const body = (await res.json().catch(() => ({}))) as {
    url?: string;
    type?: string;
    size?: number;
    error?: { code: string; message: string };
  };
  if (!res.ok || typeof body.url !== 'string') {
    const why = res.status === 413 ? 'the file is too large' : (body.error?.message ?? `HTTP ${res.status}`);
    throw new UploadError(`${o.name}: ${why}`);
  }
  const size = o.body instanceof Uint8Array ? o.body.byteLength : o.body.size;
  return { url: body.url, type: body.type ?? type, name: o.name.slice(0, 255), size: body.size ?? size };
}
