import { describe, expect, it } from 'vitest';
import { limitBands, yRange } from './limits';

describe('limitBands', () => {
  it('two-sided limits (pH)', () => {
    expect(limitBands({ warn_low: 6, warn_high: 9, crit_low: 5, crit_high: 10 })).toEqual([
      { level: 'critical', lo: -Infinity, hi: 5 },
      { level: 'warning', lo: 5, hi: 6 },
      { level: 'warning', lo: 9, hi: 10 },
      { level: 'critical', lo: 10, hi: Infinity },
    ]);
  });
  it('one-sided limits with nulls (DO)', () => {
    expect(limitBands({ warn_low: 4, crit_low: 2, warn_high: null, crit_high: null })).toEqual([
      { level: 'critical', lo: -Infinity, hi: 2 },
      { level: 'warning', lo: 2, hi: 4 },
    ]);
  });
  it('warning without critical is open-ended; nothing for missing limits', () => {
    expect(limitBands({ warn_high: 10 })).toEqual([{ level: 'warning', lo: 10, hi: Infinity }]);
    expect(limitBands(null)).toEqual([]);
    expect(limitBands({})).toEqual([]);
  });
});

describe('yRange', () => {
  it('widens to a nearby warning limit', () => {
    const [lo, hi] = yRange(6.8, 8.2, { warn_low: 6, warn_high: 9, crit_low: 5, crit_high: 10 });
    expect(lo).toBeLessThan(6);
    expect(hi).toBeGreaterThan(9);
  });
  it('ignores far-away limits', () => {
    const [, hi] = yRange(10, 500, { warn_high: 2500, crit_high: 10000 });
    expect(hi).toBeLessThan(2500);
  });
  it('handles no data', () => expect(yRange(Infinity, -Infinity, null)).toEqual([0, 1]));
});
