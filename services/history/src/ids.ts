import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

/**
 * Random bytes for ulidx from a pool refilled 4 KiB at a time: its default PRNG makes one
 * `crypto.getRandomValues` call per character (16 per new millisecond, each a CSPRNG call
 * and a syscall; ~14 per DM under load, bench/README.md). A byte / 256 is uniform over the
 * 32 characters of ULID's alphabet.
 */
const pool = new Uint8Array(4096);
let next = pool.length;
function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++] / 256;
}

// Monotonic so that mids minted in one millisecond by one process still sort in mint order.
const ulid = monotonicFactory(pooledRandom);

/** A message's global id: `m_` + ULID. */
export function newMid(): string {
  return `m_${ulid()}`;
}
