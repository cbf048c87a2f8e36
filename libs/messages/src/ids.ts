import { randomByteFraction } from '@natter/log';
import { monotonicFactory } from 'ulidx';

// ulidx's default PRNG makes one `crypto.getRandomValues` call per character (16 per new
// millisecond, ~14 per DM under load, bench/README.md): a pooled byte per character instead.
// Monotonic so that mids minted in one millisecond by one process still sort in mint order.
const ulid = monotonicFactory(randomByteFraction);

/** A message's global id: `m_` + ULID. */
export function newMid(): string {
  return `m_${ulid()}`;
}
