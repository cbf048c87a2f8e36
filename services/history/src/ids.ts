import { monotonicFactory } from 'ulidx';

// Monotonic so that mids minted in one millisecond by one process still sort in mint order.
const ulid = monotonicFactory();

/** A message's global id: `m_` + ULID. */
export function newMid(): string {
  return `m_${ulid()}`;
}
