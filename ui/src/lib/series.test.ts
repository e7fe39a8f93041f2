import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from './series';

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
