import { describe, expect, it } from 'vitest';
import { QUOTA_WINDOW_MS, quotaWaitOf } from '../src/store.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-01-02T00:00:00Z');
const at = (hoursAgo: number, size: number) => ({ size, createdAt: new Date(NOW - hoursAgo * HOUR) });

describe('quotaWaitOf (the rolling 24 hours)', () => {
  it('counts only the last 24 hours', () => {
    expect(quotaWaitOf([at(25, 100), at(1, 50)], 50, 100, NOW)).toBe(0);
  });

  it('waits until enough of the oldest uploads have left the window', () => {
    const uploads = [at(2, 40), at(23, 30), at(10, 30)];
    // 100 used, 20 more wanted with a quota of 100: the 23 h old one (30) makes room in 1 h.
    expect(quotaWaitOf(uploads, 20, 100, NOW)).toBe(HOUR);
    // 50 more needs the 23 h and the 10 h old ones gone: 14 h.
    expect(quotaWaitOf(uploads, 50, 100, NOW)).toBe(14 * HOUR);
  });

  it('more than the quota at once never fits: the whole window', () => {
    expect(quotaWaitOf([], 101, 100, NOW)).toBe(QUOTA_WINDOW_MS);
  });
});
