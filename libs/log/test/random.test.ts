import { describe, expect, it } from 'vitest';
import { randomBase64url, randomHex } from '../src/random.ts';

describe('pooled random ids', () => {
  it('hands out base64url strings of the asked bytes, different each time, across pool refills', () => {
    const seen = new Set<string>();
    // 12 bytes each: 1,000 of them go through the 4 KiB pool about three times.
    for (let i = 0; i < 1000; i++) {
      const id = randomBase64url(12);
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });

  it('hands out hex of the asked bytes', () => {
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
  });
});
