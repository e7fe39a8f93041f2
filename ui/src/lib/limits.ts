// Limit bands from a criteria profile's per-parameter limits (pure; unit tested).
import type { ParameterLimits } from '../platform/types';

export interface Band {
  level: 'warning' | 'critical';
  /** Value range; ±Infinity for open-ended bands. */
  lo: number;
  hi: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Bands outside the acceptable range: critical beyond crit_*, warning between warn_* and crit_*
 * (or beyond warn_* when there is no critical limit on that side).
 */
export function limitBands(l: ParameterLimits | null | undefined): Band[] {
  if (!l) return [];
  const bands: Band[] = [];
  const wl = num(l.warn_low);
  const cl = num(l.crit_low);
  const wh = num(l.warn_high);
  const ch = num(l.crit_high);
  if (cl !== null) bands.push({ level: 'critical', lo: -Infinity, hi: cl });
  if (wl !== null && (cl === null || wl > cl)) bands.push({ level: 'warning', lo: cl ?? -Infinity, hi: wl });
  if (wh !== null && (ch === null || wh < ch)) bands.push({ level: 'warning', lo: wh, hi: ch ?? Infinity });
  if (ch !== null) bands.push({ level: 'critical', lo: ch, hi: Infinity });
  return bands;
}

export function hasLimits(l: ParameterLimits | null | undefined): boolean {
  return limitBands(l).length > 0;
}

/**
 * y range for a chart: the data range, widened to show the nearest warning limit on each side
 * when that limit is within one data span (so a band is visible without flattening the series).
 */
export function yRange(min: number, max: number, l: ParameterLimits | null | undefined): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  let lo = min;
  let hi = max;
  const span = Math.max(max - min, Math.abs(max) * 0.1, 1e-9);
  const near = (v: number | null) => v !== null && v >= min - span && v <= max + span;
  const low = num(l?.warn_low) ?? num(l?.crit_low);
  const high = num(l?.warn_high) ?? num(l?.crit_high);
  if (low !== null && near(low)) lo = Math.min(lo, low);
  if (high !== null && near(high)) hi = Math.max(hi, high);
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}
