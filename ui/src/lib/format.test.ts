import { describe, expect, it } from 'vitest';
import {
  CLASS_COLOURS,
  classColour,
  formatUnit,
  formatValue,
  formatWqi,
  freshness,
  freshnessLevel,
  qcKind,
  sortParameters,
} from './format';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('freshness', () => {
  it('formats ages', () => {
    expect(freshness(ago(2), NOW)).toBe('just now');
    expect(freshness(ago(12), NOW)).toBe('12 s ago');
    expect(freshness(ago(59), NOW)).toBe('59 s ago');
    expect(freshness(ago(60), NOW)).toBe('1 min ago');
    expect(freshness(ago(3599), NOW)).toBe('59 min ago');
    expect(freshness(ago(7200), NOW)).toBe('2 h ago');
    expect(freshness(ago(3 * 86400), NOW)).toBe('3 d ago');
  });
  it('handles missing, garbage and future timestamps', () => {
    expect(freshness(null, NOW)).toBe('never');
    expect(freshness('yesterday-ish', NOW)).toBe('never');
    expect(freshness(ago(-30), NOW)).toBe('just now');
  });
  it('buckets freshness', () => {
    expect(freshnessLevel(ago(60), NOW)).toBe('fresh');
    expect(freshnessLevel(ago(3600), NOW)).toBe('stale');
    expect(freshnessLevel(ago(3 * 3600), NOW)).toBe('old');
    expect(freshnessLevel(null, NOW)).toBe('old');
  });
});

describe('numbers', () => {
  it('WQI has one decimal, dash when missing', () => {
    expect(formatWqi(83.14)).toBe('83.1');
    expect(formatWqi(83.15)).toMatch(/^83\.[12]$/);
    expect(formatWqi(0)).toBe('0.0');
    expect(formatWqi(100)).toBe('100.0');
    expect(formatWqi(null)).toBe('—');
    expect(formatWqi(undefined)).toBe('—');
    expect(formatWqi(Number.NaN)).toBe('—');
  });
  it('reading values keep zero and scale digits', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(7.456)).toBe('7.46');
    expect(formatValue(0.0123)).toBe('0.012');
    expect(formatValue(512.34)).toBe('512.3');
    expect(formatValue(123456)).toBe('1,23,456'); // en-IN grouping
    expect(formatValue(null)).toBe('—');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('—');
  });
  it('units', () => {
    expect(formatUnit('pH')).toBe('');
    expect(formatUnit('MPN/100mL')).toBe('MPN/100 mL');
    expect(formatUnit('uS/cm')).toBe('µS/cm');
    expect(formatUnit('mg/L')).toBe('mg/L');
  });
});

describe('class colours', () => {
  it('A is green and E is red', () => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const [ar, ag] = rgb(classColour('A'));
    const [er, eg] = rgb(classColour('E'));
    expect(ag).toBeGreaterThan(ar);
    expect(er).toBeGreaterThan(eg);
    expect(new Set(Object.values(CLASS_COLOURS)).size).toBe(5);
  });
  it('unknown class is neutral', () => {
    expect(classColour(null)).toBe(classColour('Z'));
    expect(Object.values(CLASS_COLOURS)).not.toContain(classColour(null));
  });
});

describe('QC and ordering', () => {
  it('maps QARTOD flags', () => {
    expect([1, 2, 3, 4, 9].map(qcKind)).toEqual(['ok', 'unknown', 'suspect', 'fail', 'missing']);
  });
  it('sorts parameters canonically, unknown last', () => {
    expect(sortParameters(['zzz', 'turbidity', 'ph', 'bod', 'dissolved_oxygen'])).toEqual(['ph', 'dissolved_oxygen', 'bod', 'turbidity', 'zzz']);
  });
});
