import { afterEach, describe, expect, it } from 'vitest';
import type { TrendReply } from '../platform/types';
import { setLocale } from './i18n';
import { formatP, formatSlope, recentAnomalies, severityRank, slopeText, trendArrow, trendText } from './trend';

afterEach(() => setLocale('en'));

const tr = (over: Partial<TrendReply>): TrendReply => ({
  station_id: 'apacpwq',
  parameter: 'dissolved_oxygen',
  unit: 'mg/L',
  from: '2025-11-27T00:00:00Z',
  to: '2026-11-27T00:00:00Z',
  method: 'mann_kendall_daily_medians',
  days: 240,
  trend: 'increasing',
  p_value: 0.003,
  sen_slope_per_day: 0.8 / 365.25,
  sen_slope_per_year: 0.8,
  ...over,
});

describe('trendText', () => {
  it('states direction, slope per year, p and days', () => {
    expect(trendText(tr({}))).toBe('Increasing, +0.8 mg/L per year (p = 0.003, 240 days)');
    expect(trendText(tr({ trend: 'decreasing', sen_slope_per_year: -1.234, p_value: 0.0004 }))).toBe(
      'Decreasing, −1.2 mg/L per year (p < 0.001, 240 days)'.replace('−', '-'),
    );
  });
  it('falls back to the per-day slope, then to "slope not available"', () => {
    expect(trendText(tr({ sen_slope_per_year: null, sen_slope_per_day: 0.0021 }))).toBe('Increasing, +0.0021 mg/L per day (p = 0.003, 240 days)');
    expect(trendText(tr({ sen_slope_per_year: null, sen_slope_per_day: null }))).toBe('Increasing, slope not available (p = 0.003, 240 days)');
    // Tied values (pH in steps of 0.1): a significant trend with a Sen's slope of exactly 0.
    expect(trendText(tr({ trend: 'decreasing', sen_slope_per_year: 0, sen_slope_per_day: 0 }))).toBe(
      "Decreasing, Sen's slope 0: the changes are smaller than the data's resolution (p = 0.003, 240 days)",
    );
  });
  it('no trend, insufficient data, unknown kinds', () => {
    expect(trendText(tr({ trend: 'no_trend', p_value: 0.4213 }))).toBe('No significant trend (p = 0.42, 240 days)');
    expect(trendText(tr({ trend: 'insufficient_data', days: 5 }))).toBe('Not enough data for a trend (5 day(s); at least 8 needed)');
    expect(trendText(tr({ trend: 'seasonal_up', p_value: null }))).toBe('Trend: seasonal_up (p = —, 240 days)');
  });
  it('drops the unit for pH and keeps Latin digits in Hindi', () => {
    expect(formatSlope(0.05, 'pH')).toBe('+0.05');
    setLocale('hi');
    const s = trendText(tr({}));
    expect(s).toContain('+0.8 mg/L');
    expect(s).not.toMatch(/[\u0966-\u096F]/);
  });
  it('formats p values', () => {
    expect(formatP(0.0499)).toBe('p = 0.05');
    expect(formatP(0.9999999699)).toBe('p = 1');
    expect(formatP(0.00001)).toBe('p < 0.001');
    expect(formatP(null)).toBe('p = —');
    expect(slopeText({ sen_slope_per_year: 0, sen_slope_per_day: 0, unit: '°C' })).toBe('0 °C per year');
  });
  it('arrows', () => {
    expect(['increasing', 'decreasing', 'no_trend', 'insufficient_data'].map(trendArrow)).toEqual(['↗', '↘', '→', '·']);
  });
});

describe('anomalies', () => {
  it('lists the most recent first, at most n', () => {
    const list = ['2026-01-05', '2026-03-01', '2026-02-10', '2025-12-31'].map((date) => ({ date, value: 1, baseline: 2, score: 4, severity: 'low' }));
    expect(recentAnomalies(list, 2).map((a) => a.date)).toEqual(['2026-03-01', '2026-02-10']);
    expect(recentAnomalies(null)).toEqual([]);
  });
  it('ranks severities', () => {
    expect(['critical', 'high', 'low', 'weird'].map(severityRank)).toEqual([3, 2, 1, 0]);
  });
});
