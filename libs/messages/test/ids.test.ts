import { describe, expect, it } from 'vitest';
import { newMid } from '../src/ids.ts';

describe('newMid', () => {
  it('mints distinct m_ + ULID ids that sort in mint order, past a refill of its random pool', () => {
    const ids = Array.from({ length: 2000 }, () => newMid());
    for (const id of ids) expect(id).toMatch(/^m_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws every character of the alphabet in the random part', () => {
    const seen = new Set<string>();
    // A new millisecond each time, so the random part is drawn, not incremented.
    for (let i = 0; i < 300 && seen.size < 32; i++) {
      const start = Date.now();
      while (Date.now() === start) {}
      for (const ch of newMid().slice(12)) seen.add(ch);
    }
    expect(seen.size).toBe(32);
  });
});
