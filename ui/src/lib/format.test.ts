import { describe, expect, it } from 'vitest';
import {
  CLASS_COLOURS,
  DEFAULT_UNITS,
  celsiusToFahrenheit,
  convertColumn,
  convertLimits,
  displayUnit,
  displayValue,
  formatDisplayValue,
  microToMilliSiemens,
  unitConversion,
  classColour,
  formatBytes,
  formatDate,
  formatDuration,
  formatSig,
  formatUnit,
  formatValue,
  formatWithUnit,
  formatWqi,
  formatYears,
  freshness,
  freshnessLevel,
  qcKind,
  relativeTime,
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

describe('durations, sizes, days, significant digits', () => {
  it('formats', () => {
    expect(formatDuration(41)).toBe('41 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 2 min');
    expect(formatDuration(2 * 86400 + 3600)).toBe('2 d 1 h');
    expect(formatDuration(-1)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(37 * 1024 * 1024)).toBe('37 MiB');
    expect(formatDate('2026-11-27')).toBe('27 Nov 2026');
    expect(formatDate('2026-11-27', false)).toBe('27 Nov');
    expect(formatDate('garbage')).toBe('garbage');
    expect(formatSig(0.0034567)).toBe('0.0035');
    expect(formatSig(0.8, 2, true)).toBe('+0.8');
    expect(formatSig(-12.34, 2, true)).toBe('-12');
    expect(formatSig(0, 2, true)).toBe('0');
  });
});

describe('relativeTime', () => {
  const ahead = (s: number) => new Date(NOW + s * 1000).toISOString();
  it('reads past times like freshness and future ones as "in …"', () => {
    expect(relativeTime(ago(120), NOW)).toBe('2 min ago');
    expect(relativeTime(ahead(3), NOW)).toBe('just now');
    expect(relativeTime(ahead(30), NOW)).toBe('in 30 s');
    expect(relativeTime(ahead(600), NOW)).toBe('in 10 min');
    expect(relativeTime(ahead(5 * 3600), NOW)).toBe('in 5 h');
    expect(relativeTime(ahead(3 * 86400), NOW)).toBe('in 3 d');
    expect(relativeTime(null, NOW)).toBe('never');
  });
});

describe('formatYears and formatWithUnit', () => {
  it('gives a range of years', () => {
    expect(formatYears([2012, 2013, 2023])).toBe('2012–2023');
    expect(formatYears([2019])).toBe('2019');
    expect(formatYears([])).toBe('—');
    expect(formatYears(null)).toBe('—');
  });
  it('adds display units', () => {
    expect(formatWithUnit(7.25, 'mg/L')).toBe('7.25 mg/L');
    expect(formatWithUnit(7.25, 'pH')).toBe('7.25');
    expect(formatWithUnit(null, 'mg/L')).toBe('—');
  });
});

describe('display units (°C/°F, µS/cm / mS/cm)', () => {
  const F = { temperatureUnit: 'F', conductivityUnit: 'uS/cm' } as const;
  const mS = { temperatureUnit: 'C', conductivityUnit: 'mS/cm' } as const;

  it('converts Celsius to Fahrenheit and µS/cm to mS/cm', () => {
    expect(celsiusToFahrenheit(0)).toBe(32);
    expect(celsiusToFahrenheit(100)).toBe(212);
    expect(celsiusToFahrenheit(-40)).toBe(-40);
    expect(celsiusToFahrenheit(37)).toBeCloseTo(98.6, 10);
    expect(microToMilliSiemens(3317)).toBeCloseTo(3.317, 12);
    expect(microToMilliSiemens(0)).toBe(0);
  });

  it('changes nothing under the defaults or for other units', () => {
    expect(unitConversion('°C', DEFAULT_UNITS)).toBeNull();
    expect(unitConversion('µS/cm', DEFAULT_UNITS)).toBeNull();
    expect(unitConversion('mg/L', F)).toBeNull();
    expect(unitConversion('°C', mS)).toBeNull();
    expect(unitConversion('', F)).toBeNull();
    expect(unitConversion(null, F)).toBeNull();
    expect(displayValue(25, '°C', DEFAULT_UNITS)).toBe(25);
    expect(displayUnit('uS/cm', DEFAULT_UNITS)).toBe('µS/cm');
  });

  it('recognises the hub\'s spellings of °C and µS/cm', () => {
    for (const u of ['°C', 'degC', '℃', 'C']) expect(unitConversion(u, F)?.unit).toBe('°F');
    for (const u of ['µS/cm', 'μS/cm', 'uS/cm', 'µmho/cm']) expect(unitConversion(u, mS)?.unit).toBe('mS/cm');
  });

  it('converts values and units for display, keeping missing values', () => {
    expect(displayValue(25, '°C', F)).toBe(77);
    expect(displayValue(null, '°C', F)).toBeNull();
    expect(displayValue(Number.NaN, '°C', F)).toBeNaN();
    expect(displayUnit('°C', F)).toBe('°F');
    expect(displayUnit('uS/cm', mS)).toBe('mS/cm');
    expect(formatDisplayValue(20, '°C', F)).toBe('68');
    expect(formatDisplayValue(308, 'µS/cm', mS)).toBe('0.308');
    expect(formatDisplayValue(null, '°C', F)).toBe('—');
  });

  it('converts chart columns and limits (low stays low), a no-op without a conversion', () => {
    const c = unitConversion('°C', F);
    expect(convertColumn([0, null, 100], c)).toEqual([32, null, 212]);
    const col = [1, 2];
    expect(convertColumn(col, null)).toBe(col);
    expect(convertLimits({ warn_low: 10, warn_high: 30, crit_low: null, crit_high: undefined }, c)).toEqual({
      warn_low: 50,
      warn_high: 86,
      crit_low: null,
      crit_high: null,
    });
    const l = { warn_high: 1500 };
    expect(convertLimits(l, null)).toBe(l);
    expect(convertLimits(null, c)).toBeNull();
    expect(convertLimits(l, unitConversion('µS/cm', mS))).toEqual({ warn_low: null, warn_high: 1.5, crit_low: null, crit_high: null });
  });
});
