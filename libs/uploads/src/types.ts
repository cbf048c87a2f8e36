import type { UploadType } from '@natter/protocol';

export type { UploadType } from '@natter/protocol';
export { baseMediaType, isUploadType, UPLOAD_TYPES } from '@natter/protocol';

const ascii = (bytes: Uint8Array, at: number, text: string): boolean =>
  bytes.length >= at + text.length && [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

const prefix = (bytes: Uint8Array, sig: number[]): boolean =>
  bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);

/**
 * What the bytes' signature (magic number) says they are, among UPLOAD_TYPES; undefined
 * when none matches. The browser decides how to treat a file from its bytes as well as its
 * declared type, so the two must agree before anything is stored.
 */
export function sniffType(bytes: Uint8Array): UploadType | undefined {
  if (prefix(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (prefix(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'image/gif';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'image/webp';
  if (prefix(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'audio/webm';
  if (ascii(bytes, 0, 'OggS')) return 'audio/ogg';
  if (ascii(bytes, 4, 'ftyp')) return 'audio/mp4';
  if (ascii(bytes, 0, 'ID3')) return 'audio/mpeg';
  // An MPEG audio frame: 11 sync bits set (JPEG's FF D8 never matches: D8 & E0 = C0).
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return 'audio/mpeg';
  return undefined;
}
