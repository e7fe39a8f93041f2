import { describe, expect, it } from 'vitest';
import { AggregateSeries, SeriesBuffer } from './series';

const T = (m: number) => new Date(Date.UTC(2026, 10, 27, 10, m)).toISOString();
const X = (m: number) => Date.UTC(2026, 10, 27, 10, m) / 1000;

describe('SeriesBuffer', () => {
  it('splits pass/suspect, hides failed and missing points', () => {
    const b = new SeriesBuffer('ph', 'pH', [
      { t: T(0), v: 7, q: 1 },
      { t: T(1), v: 9.9, q: 3 },
      { t: T(2), v: 14, q: 4 },
      { t: T(3), v: null, q: 9 },
      { t: T(4), v: 7.2, q: 2 },
    ]);
    expect(b.columns()).toEqual([[X(0), X(1), X(4)], [7, null, 7.2], [null, 9.9, null]]);
    expect(b.failed).toBe(1);
    expect(b.hasSuspect()).toBe(true);
  });
  it('appends newer points, replaces same-time, ignores older', () => {
    const b = new SeriesBuffer('ph', 'pH', [{ t: T(5), v: 7, q: 1 }]);
    expect(b.push(T(4), 1, 1)).toBe(false);
    expect(b.push(T(5), 7.5, 1)).toBe(true);
    expect(b.push(T(6), 8, 1)).toBe(true);
    expect(b.push('garbage', 8, 1)).toBe(false);
    expect(b.columns()[1]).toEqual([7.5, 8]);
  });
  it('trims to the window', () => {
    const b = new SeriesBuffer('ph', 'pH', [0, 1, 2, 3].map((m) => ({ t: T(m), v: m, q: 1 })));
    b.trim(X(2));
    expect(b.xs).toEqual([X(2), X(3)]);
    expect(b.good).toEqual([2, 3]);
  });
});

describe('AggregateSeries', () => {
  const reply = {
    station_id: 'apacpwq',
    parameter: 'temperature',
    unit: '°C',
    from: '2026-11-25T00:00:00Z',
    to: '2026-11-28T00:00:00Z',
    resolution: 'day',
    points: [
      { t: '2026-11-26T00:00:00Z', v: 21.5, min: 20, max: 23, n: 96 },
      { t: '2026-11-25T00:00:00Z', v: 20.1, min: 19.2, max: 21, n: 90 },
      { t: 'not a time', v: 1, min: 1, max: 1, n: 1 },
      { t: '2026-11-27T00:00:00Z', v: null, min: null, max: null, n: 0 },
    ],
  };
  it('holds mean, min and max columns in time order; buckets without a mean are gaps', () => {
    const a = new AggregateSeries(reply);
    const d = (day: number) => Date.UTC(2026, 10, day) / 1000;
    expect(a.columns()).toEqual([[d(25), d(26), d(27)], [20.1, 21.5, null], [19.2, 20, null], [21, 23, null]]);
    expect(a.n).toEqual([90, 96, 0]);
    expect(a.length).toBe(3);
    expect(a.plotted).toBe(2);
    expect(a.resolution).toBe('day');
    expect(a.hasBand()).toBe(true);
    expect(a.failed).toBe(0);
  });
  it('has no band for raw points without min/max', () => {
    const a = new AggregateSeries({ ...reply, resolution: 'raw', points: [{ t: '2026-11-26T00:00:00Z', v: 1, min: null, max: null, n: 1 }] });
    expect(a.resolution).toBe('raw');
    expect(a.hasBand()).toBe(false);
    expect(a.plotted).toBe(1);
  });
  it('counts the plotted points of a raw buffer like its length', () => {
    const b = new SeriesBuffer('ph', 'pH', [{ t: T(0), v: 7, q: 1 }, { t: T(1), v: 9, q: 3 }, { t: T(2), v: 9, q: 4 }]);
    expect(b.plotted).toBe(2);
  });
});
