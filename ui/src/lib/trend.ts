// Trend and anomaly texts for the station view (pure; unit tested).
import type { Anomaly, TrendReply } from '../platform/types';
import { t } from './i18n';
import { formatSig, formatUnit } from './format';

/** "p = 0.003", "p < 0.001" (two significant digits). */
export function formatP(p: number | null | undefined): string {
  if (typeof p !== 'number' || !Number.isFinite(p)) return t('trend.p', { p: '—' });
  if (p < 0.001) return t('trend.pBelow', { p: formatSig(0.001) });
  return t('trend.p', { p: formatSig(Math.min(p, 1)) });
}

/** "+0.8 mg/L" (signed, two significant digits; no unit for pH). */
export function formatSlope(v: number, unit: string): string {
  const u = formatUnit(unit);
  return u ? `${formatSig(v, 2, true)} ${u}` : formatSig(v, 2, true);
}

/** Per-year slope when the hub gives one, else per day; null when neither is a number. */
export function slopeText(r: Pick<TrendReply, 'sen_slope_per_year' | 'sen_slope_per_day' | 'unit'>): string | null {
  const y = r.sen_slope_per_year;
  if (typeof y === 'number' && Number.isFinite(y)) return t('trend.perYear', { slope: formatSlope(y, r.unit) });
  const d = r.sen_slope_per_day;
  if (typeof d === 'number' && Number.isFinite(d)) return t('trend.perDay', { slope: formatSlope(d, r.unit) });
  return null;
}

/**
 * One line per trend reply, e.g. "Increasing, +0.8 mg/L per year (p = 0.003, 240 days)",
 * "No significant trend (p = 0.42, 240 days)", "Not enough data for a trend (5 days …)".
 */
export function trendText(r: TrendReply): string {
  const days = typeof r.days === 'number' && Number.isFinite(r.days) ? r.days : 0;
  const p = formatP(r.p_value);
  switch (r.trend) {
    case 'increasing':
    case 'decreasing': {
      // A significant trend with a Sen's slope of exactly 0 is what the median of pairwise slopes
      // gives with many tied values (pH in steps of 0.1): say so rather than "0 per year".
      const zero = r.sen_slope_per_year === 0 || (r.sen_slope_per_year == null && r.sen_slope_per_day === 0);
      const rate = zero ? t('trend.zeroSlope') : (slopeText(r) ?? t('trend.noSlope'));
      return t(r.trend === 'increasing' ? 'trend.increasing' : 'trend.decreasing', { rate, p, days });
    }
    case 'no_trend':
      return t('trend.none', { p, days });
    case 'insufficient_data':
      return t('trend.insufficient', { days });
    default:
      return t('trend.other', { trend: String(r.trend ?? '—'), p, days });
  }
}

/** Arrow shown next to the trend text. */
export function trendArrow(trend: string): string {
  return trend === 'increasing' ? '↗' : trend === 'decreasing' ? '↘' : trend === 'no_trend' ? '→' : '·';
}

export const SEVERITIES = ['critical', 'high', 'low'] as const;

/** Severity rank for styling: critical 3, high 2, low 1, anything else 0. */
export function severityRank(sev: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(sev);
  return i === -1 ? 0 : SEVERITIES.length - i;
}

/** The `n` most recent anomalies, newest first (entries without a date last). */
export function recentAnomalies(list: readonly Anomaly[] | null | undefined, n = 5): Anomaly[] {
  if (!Array.isArray(list)) return [];
  return [...list]
    .filter((a) => a && typeof a === 'object')
    .sort((a, b) => String(b.date ?? '').localeCompare(String(a.date ?? '')))
    .slice(0, n);
}
