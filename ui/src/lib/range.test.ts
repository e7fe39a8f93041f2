import { describe, expect, it } from 'vitest';
import { RANGES, RANGE_SECONDS, asResolution, autoResolution, expectedResolution, isLiveRange, isRangeKey, rangeWindow } from './range';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('time ranges', () => {
  it('offers 24 h, 7 d, 30 d, 1 y and 5 y in that order; only 24 h is live', () => {
    expect([...RANGES]).toEqual(['24h', '7d', '30d', '1y', '5y']);
    expect(RANGES.filter(isLiveRange)).toEqual(['24h']);
    expect(isRangeKey('30d')).toBe(true);
    expect(isRangeKey('2d')).toBe(false);
    expect(isRangeKey(7)).toBe(false);
  });

  it('windows end now and reach back by the range length', () => {
    expect(rangeWindow('24h', NOW)).toEqual({ from: '2026-11-26T12:00:00.000Z', to: '2026-11-27T12:00:00.000Z' });
    expect(rangeWindow('7d', NOW).from).toBe('2026-11-20T12:00:00.000Z');
    expect(rangeWindow('30d', NOW).from).toBe('2026-10-28T12:00:00.000Z');
    expect(rangeWindow('1y', NOW).from).toBe('2025-11-27T12:00:00.000Z');
    expect(rangeWindow('5y', NOW).from).toBe('2021-11-27T12:00:00.000Z');
    for (const r of RANGES) {
      const w = rangeWindow(r, NOW);
      expect((Date.parse(w.to) - Date.parse(w.from)) / 1000).toBe(RANGE_SECONDS[r]);
    }
  });

  it('mirrors the hub’s auto resolution: raw ≤ 2 days, hourly ≤ 60 days, daily beyond', () => {
    expect(autoResolution(3600)).toBe('raw');
    expect(autoResolution(2 * 86400)).toBe('raw');
    expect(autoResolution(2 * 86400 + 1)).toBe('hour');
    expect(autoResolution(60 * 86400)).toBe('hour');
    expect(autoResolution(60 * 86400 + 1)).toBe('day');
    expect(RANGES.map(expectedResolution)).toEqual(['raw', 'hour', 'hour', 'day', 'day']);
  });

  it('treats an unknown resolution from the hub as raw', () => {
    expect(asResolution('hour')).toBe('hour');
    expect(asResolution('day')).toBe('day');
    expect(asResolution('raw')).toBe('raw');
    expect(asResolution('week')).toBe('raw');
    expect(asResolution(undefined)).toBe('raw');
  });
});
