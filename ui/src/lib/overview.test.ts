import { describe, expect, it } from 'vitest';
import { applyFilters, isStale, sortStations, statusOf, type ClassFilter, type StatusFilter } from './overview';
import type { Station } from '../platform/types';

type S = Pick<Station, 'id' | 'name' | 'class' | 'wqi' | 'alert_level' | 'last_update' | 'online' | 'expected_interval_s'>;
const mk = (p: Partial<S> & { id: string }): S => ({
  name: p.id,
  class: null,
  wqi: null,
  alert_level: 'ok',
  last_update: null,
  online: undefined,
  expected_interval_s: null,
  ...p,
});

const list = [
  mk({ id: 'a', name: 'Alpha', class: 'A', wqi: 80, last_update: '2026-01-01T00:00:10.000Z' }),
  mk({ id: 'b', name: 'Bravo', class: 'C', wqi: 55, alert_level: 'warning', last_update: '2026-01-01T00:00:30.000Z' }),
  mk({ id: 'c', name: 'Charlie', class: 'E', wqi: 20, alert_level: 'critical', last_update: '2026-01-01T00:00:20.000Z' }),
  mk({ id: 'd', name: 'Delta', online: false, last_update: '2025-12-31T00:00:00.000Z' }),
  mk({ id: 'e', name: 'Echo' }),
];
const ids = (xs: S[]) => xs.map((s) => s.id);
const set = <T>(...xs: T[]) => new Set<T>(xs);

describe('statusOf / isStale', () => {
  it('offline wins over the alert level', () => {
    expect(statusOf({ alert_level: 'critical', online: false })).toBe('offline');
    expect(statusOf({ alert_level: 'warning', online: true })).toBe('warning');
    expect(statusOf({ alert_level: 'ok' })).toBe('ok');
  });
  it('stale after 2× the expected interval, only when the interval is known', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(isStale({ last_update: '2026-01-01T00:05:00Z', expected_interval_s: 60, online: true }, now)).toBe(true);
    expect(isStale({ last_update: '2026-01-01T00:09:00Z', expected_interval_s: 60, online: true }, now)).toBe(false);
    expect(isStale({ last_update: '2026-01-01T00:00:00Z', expected_interval_s: null }, now)).toBe(false);
    expect(isStale({ last_update: null, expected_interval_s: 60 }, now)).toBe(true);
    expect(isStale({ last_update: '2026-01-01T00:00:00Z', expected_interval_s: 60, online: false }, now)).toBe(false);
  });
});

describe('applyFilters', () => {
  it('empty sets keep everything (same array)', () => {
    expect(applyFilters(list, set<ClassFilter>(), set<StatusFilter>())).toBe(list);
  });
  it('filters by class, including "none"', () => {
    expect(ids(applyFilters(list, set<ClassFilter>('A', 'E'), set<StatusFilter>()))).toEqual(['a', 'c']);
    expect(ids(applyFilters(list, set<ClassFilter>('none'), set<StatusFilter>()))).toEqual(['d', 'e']);
  });
  it('filters by status and combines dimensions with AND', () => {
    expect(ids(applyFilters(list, set<ClassFilter>(), set<StatusFilter>('offline')))).toEqual(['d']);
    expect(ids(applyFilters(list, set<ClassFilter>(), set<StatusFilter>('ok')))).toEqual(['a', 'e']);
    expect(ids(applyFilters(list, set<ClassFilter>('C', 'E'), set<StatusFilter>('critical')))).toEqual(['c']);
  });
});

describe('sortStations', () => {
  it('sorts by name', () => expect(ids(sortStations([...list].reverse(), 'name'))).toEqual(['a', 'b', 'c', 'd', 'e']));
  it('sorts by WQI, best first, missing last', () => expect(ids(sortStations(list, 'wqi'))).toEqual(['a', 'b', 'c', 'd', 'e']));
  it('sorts by last update, newest first, never last', () => expect(ids(sortStations(list, 'updated'))).toEqual(['b', 'c', 'a', 'd', 'e']));
  it('sorts by alert level, worst first', () => expect(ids(sortStations(list, 'alert'))).toEqual(['c', 'b', 'd', 'a', 'e']));
  it('does not mutate its input', () => {
    const copy = [...list];
    sortStations(list, 'alert');
    expect(list).toEqual(copy);
  });
});
