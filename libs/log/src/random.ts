import { randomFillSync } from 'node:crypto';

/**
 * CSPRNG bytes handed out from a pool refilled 4 KiB at a time. A `randomBytes` call per id
 * is a trip into the crypto library with a job object each time: at one trace id per request
 * it was 2.5% of a gateway's CPU in a reconnect storm, and ulidx's default (one
 * `getRandomValues` per character) cost history ~14 calls per DM.
 */
const pool = Buffer.allocUnsafe(4096);
let next = pool.length;

function take(n: number): number {
  if (next + n > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += n;
  return at;
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}

/** `bytes` random bytes as base64url (no padding). */
export function randomBase64url(bytes: number): string {
  const at = take(bytes);
  return pool.toString('base64url', at, at + bytes);
}

/** A random number in [0, 1) with 8 bits: one byte / 256 (uniform over ULID's 32 characters). */
export function randomByteFraction(): number {
  return pool[take(1)]! / 256;
}
