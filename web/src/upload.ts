import { type Attachment, IMAGE_TYPES, uploadFile } from '@natter/client';

export { AUDIO_TYPES, baseType, IMAGE_TYPES, isUploadable, UploadError } from '@natter/client';

/**
 * Uploads a file of this page (the gateway serves it, so the upload goes to the same origin)
 * and returns the attachment to send, with an image's size and a recording's duration.
 */
export async function uploadBlob(
  blob: Blob,
  opts: { token: string | undefined; name: string; duration?: number },
): Promise<Attachment> {
  const att = await uploadFile({ base: '', token: opts.token, body: blob, type: blob.type, name: opts.name });
  if (IMAGE_TYPES.includes(att.type)) {
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
