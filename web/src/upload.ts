import type { Attachment } from '@natter/client';

/** What `POST /v1/uploads` accepts (docs/protocol.md, "HTTP API"). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
export const AUDIO_TYPES = ['audio/webm', 'audio/ogg', 'audio/mpeg', 'audio/mp4'];

export class UploadError extends Error {
  override readonly name = 'UploadError';
}

/** `audio/webm;codecs=opus` -> `audio/webm`. */
export const baseType = (type: string): string => type.split(';')[0]!.trim().toLowerCase();

export function isUploadable(type: string): boolean {
  const t = baseType(type);
  return IMAGE_TYPES.includes(t) || AUDIO_TYPES.includes(t);
}

/**
 * Uploads bytes and returns the attachment to send. The URL that comes back is a path on
 * this origin (`/v1/uploads/u_...`), so <img> and <audio> load it without credentials.
 */
export async function uploadBlob(
  blob: Blob,
  opts: { token: string | undefined; name: string; duration?: number },
): Promise<Attachment> {
  const type = baseType(blob.type);
  if (!isUploadable(type))
    throw new UploadError(`${opts.name}: ${type || 'this kind of file'} cannot be sent`);
  if (!opts.token) throw new UploadError('not signed in yet; try again in a moment');
  let res: Response;
  try {
    res = await fetch('/v1/uploads', {
      method: 'POST',
      headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': type },
      body: blob,
    });
  } catch (cause) {
    throw new UploadError(`${opts.name}: the upload failed (network); try again`, { cause });
  }
  const body = (await res.json().catch(() => ({}))) as {
    url?: string;
    type?: string;
    size?: number;
    error?: { code: string; message: string };
  };
  if (!res.ok || typeof body.url !== 'string') {
    const why = res.status === 413 ? 'the file is too large' : (body.error?.message ?? `HTTP ${res.status}`);
    throw new UploadError(`${opts.name}: ${why}`);
  }
  const att: Attachment = {
    url: body.url,
    type: body.type ?? type,
    name: opts.name.slice(0, 255),
    size: body.size ?? blob.size,
  };
  if (IMAGE_TYPES.includes(type)) {
    const dims = await imageSize(blob);
    if (dims) Object.assign(att, dims);
  }
  if (opts.duration !== undefined) att.duration = Math.round(opts.duration);
  return att;
}

async function imageSize(blob: Blob): Promise<{ width: number; height: number } | undefined> {
  try {
    const bmp = await createImageBitmap(blob);
    const dims = { width: bmp.width, height: bmp.height };
    bmp.close();
    return dims.width > 0 && dims.height > 0 ? dims : undefined;
  } catch {
    return undefined;
  }
}
