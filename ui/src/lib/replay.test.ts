import { describe, expect, it } from 'vitest';
import type { Series } from '../platform/types';
import {
  DEFAULT_SPEED,
  READINGS_LIMIT,
  ReplayPlayer,
  SPEEDS,
  cursorAt,
  defaultWindow,
  fromLocalInput,
  isSpeed,
  mergeSeries,
  toLocalInput,
  truncatedSeries,
  virtualTime,
} from './replay';

const BASE = Date.UTC(2026, 10, 27, 0, 0, 0);
const T = (min: number) => new Date(BASE + min * 60_000).toISOString();
const series = (parameter: string, unit: string, pts: [number, number | null, number][]): Series => ({
  station_id: 'apacpwq',
  parameter,
  unit,
  points: pts.map(([m, v, q]) => ({ t: T(m), v, q })),
});

const data = [
  series('temperature', '°C', [
    [0, 20, 1],
    [15, 20.5, 1],
    [30, 21, 3],
  ]),
  series('ph', 'pH', [
    [0, 7.9, 1],
    [10, 8.0, 1],
    [30, 8.1, 4],
  ]),
];

describe('mergeSeries', () => {
  it('merges every parameter into one list in time order; ties keep the series order', () => {
    const ev = mergeSeries(data);
    expect(ev.map((e) => `${e.t.slice(11, 16)} ${e.parameter}`)).toEqual([
      '00:00 temperature',
      '00:00 ph',
      '00:10 ph',
      '00:15 temperature',
      '00:30 temperature',
      '00:30 ph',
    ]);
    expect(ev[4]).toEqual({ ms: BASE + 30 * 60_000, t: T(30), parameter: 'temperature', value: 21, unit: '°C', q: 3 });
  });
  it('drops unparsable times, keeps missing values as null', () => {
    const ev = mergeSeries([
      { station_id: 's', parameter: 'ph', unit: 'pH', points: [{ t: 'bad', v: 1, q: 1 }, { t: T(5), v: null, q: 9 }] },
      { station_id: 's', parameter: 'bod', unit: 'mg/L', points: undefined as unknown as [] },
    ]);
    expect(ev).toEqual([{ ms: BASE + 5 * 60_000, t: T(5), parameter: 'ph', value: null, unit: 'pH', q: 9 }]);
  });
});

describe('truncatedSeries', () => {
  it('flags series the hub cut to its newest 10,000 points, with their first time', () => {
    const full = { station_id: 's', parameter: 'temperature', unit: '°C', points: Array.from({ length: READINGS_LIMIT }, (_, i) => ({ t: T(i), v: i, q: 1 })) };
    expect(truncatedSeries([full, data[1]])).toEqual([{ parameter: 'temperature', first: T(0) }]);
    expect(truncatedSeries(data)).toEqual([]);
    expect(truncatedSeries(data, 3)).toEqual([
      { parameter: 'temperature', first: T(0) },
      { parameter: 'ph', first: T(0) },
    ]);
  });
});

describe('cursor and virtual time', () => {
  const ev = mergeSeries(data);
  it('cursorAt = number of events at or before a time', () => {
    expect(cursorAt(ev, BASE - 1)).toBe(0);
    expect(cursorAt(ev, BASE)).toBe(2);
    expect(cursorAt(ev, BASE + 10 * 60_000)).toBe(3);
    expect(cursorAt(ev, BASE + 29 * 60_000)).toBe(4);
    expect(cursorAt(ev, BASE + 60 * 60_000)).toBe(6);
    expect(cursorAt([], BASE)).toBe(0);
  });
  it('virtual time = base + elapsed × speed, clamped to the window', () => {
    expect(virtualTime(BASE, 1000, 1000, 600, BASE + 3_600_000)).toBe(BASE);
    expect(virtualTime(BASE, 1000, 2000, 600, BASE + 3_600_000)).toBe(BASE + 600_000);
    expect(virtualTime(BASE, 1000, 1_000_000, 600, BASE + 3_600_000)).toBe(BASE + 3_600_000);
    expect(virtualTime(BASE, 1000, 500, 600, BASE + 3_600_000)).toBe(BASE);
  });
  it('offers ×60, ×600, ×3600', () => {
    expect([...SPEEDS]).toEqual([60, 600, 3600]);
    expect(isSpeed(DEFAULT_SPEED)).toBe(true);
    expect(isSpeed(100)).toBe(false);
  });
});

describe('ReplayPlayer', () => {
  const ev = mergeSeries(data);
  const from = BASE;
  const to = BASE + 60 * 60_000;

  it('plays readings out as the virtual clock passes them, then ends', () => {
    const p = new ReplayPlayer(ev, from, to, 600); // 10 min of data per second
    expect(p.state).toBe('idle');
    expect(p.tick(0)).toEqual([]);
    p.play(0);
    expect(p.tick(0).map((e) => e.parameter)).toEqual(['temperature', 'ph']); // stamped at the start
    expect(p.tick(500)).toEqual([]); // 00:05
    expect(p.tick(1000).map((e) => e.t)).toEqual([T(10)]); // 00:10
    expect(p.virtual).toBe(BASE + 10 * 60_000);
    expect(p.progress).toBeCloseTo(1 / 6);
    expect(p.tick(3000).map((e) => e.t)).toEqual([T(15), T(30), T(30)]); // 00:30
    expect(p.cursor).toBe(6);
    expect(p.state).toBe('playing');
    expect(p.tick(6000)).toEqual([]); // 01:00 = the end
    expect(p.state).toBe('ended');
    expect(p.virtual).toBe(to);
  });

  it('pause freezes the clock, play resumes from there; speed changes do not jump', () => {
    const p = new ReplayPlayer(ev, from, to, 60); // 1 min per second
    p.play(0);
    p.tick(0);
    p.tick(5000); // 00:05
    p.pause(5000);
    expect(p.state).toBe('paused');
    expect(p.tick(100_000)).toEqual([]);
    expect(p.virtual).toBe(BASE + 5 * 60_000);
    p.play(200_000);
    expect(p.tick(205_000).map((e) => e.t)).toEqual([T(10)]); // 00:10
    p.setSpeed(3600, 205_000);
    expect(p.virtual).toBe(BASE + 10 * 60_000);
    expect(p.tick(205_250).map((e) => e.t)).toEqual([T(15)]); // + 0.25 s × 3600 = 00:25
    expect(p.virtual).toBe(BASE + 25 * 60_000);
  });

  it('stop rewinds to the window start; play after the end starts over', () => {
    const p = new ReplayPlayer(ev, from, to, 3600);
    p.play(0);
    expect(p.tick(2000)).toHaveLength(6);
    expect(p.state).toBe('ended');
    p.play(10_000);
    expect(p.virtual).toBe(from);
    expect(p.tick(10_000)).toHaveLength(2);
    p.stop();
    expect([p.state, p.virtual, p.cursor]).toEqual(['idle', from, 0]);
  });

  it('refuses an empty or reversed window', () => {
    expect(() => new ReplayPlayer(ev, to, from, 60)).toThrow(RangeError);
    expect(() => new ReplayPlayer(ev, from, from, 60)).toThrow(RangeError);
  });
});

describe('window inputs', () => {
  it('round-trips datetime-local values in local time', () => {
    const ms = new Date(2026, 10, 27, 9, 5).getTime();
    expect(toLocalInput(ms)).toBe('2026-11-27T09:05');
    expect(fromLocalInput('2026-11-27T09:05')).toBe(ms);
    expect(fromLocalInput('2026-11-27T09:05:30')).toBe(ms + 30_000);
    expect(fromLocalInput('')).toBeNaN();
    expect(fromLocalInput('2026-02-31T00:00')).toBeNaN();
    expect(fromLocalInput('yesterday')).toBeNaN();
  });
  it('defaults to the last 24 hours, whole minutes', () => {
    const now = Date.UTC(2026, 10, 27, 12, 34, 56, 789);
    const w = defaultWindow(now);
    expect(w.to).toBe(Date.UTC(2026, 10, 27, 12, 34));
    expect(w.to - w.from).toBe(24 * 3600 * 1000);
  });
});
