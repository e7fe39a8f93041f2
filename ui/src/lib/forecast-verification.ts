// Forecast verification (`GET …/forecast/verification`): how the station's stored forecasts did once
// their target day was observed. Pure helpers: reply normalisation (one row per horizon 7/30/90),
// inside/outside P10–P90, shares as percentages, and MAE in the display unit (a difference: only
// the scale of a unit conversion applies, e.g. ×9/5 for °F, never the +32 offset).
import type { ForecastVerificationReply, VerificationCase, VerificationHorizon } from '../platform/types';
import type { UnitConversion } from './format';
import { HORIZONS, type Horizon } from './forecast';

export interface VerificationRow {
  horizon: Horizon;
  n: number;
  mae: number | null;
  coverage: number | null;
  heldout: number | null;
  recent: VerificationCase[];
}

export interface Verification {
  stored: number;
  /** Verified forecasts over all horizons. */
  total: number;
  rows: VerificationRow[];
  note: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const share = (v: unknown): number | null => {
  const x = num(v);
  return x === null || x < 0 || x > 1 ? null : x;
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseCase(v: unknown): VerificationCase | null {
  if (!isObj(v) || typeof v.date !== 'string' || !v.date) return null;
  return { date: v.date, observed: num(v.observed), p10: num(v.p10), p50: num(v.p50), p90: num(v.p90) };
}

/** One row per horizon 7/30/90 (a horizon the hub left out counts as n = 0); anything malformed is dropped. */
export function parseVerification(reply: ForecastVerificationReply | null | undefined): Verification {
  const r: Record<string, unknown> = isObj(reply) ? reply : {};
  const list = Array.isArray(r.horizons) ? (r.horizons as unknown[]) : [];
  const byH = new Map<number, VerificationHorizon>();
  for (const h of list) if (isObj(h) && typeof h.horizon === 'number' && !byH.has(h.horizon)) byH.set(h.horizon, h as unknown as VerificationHorizon);
  const rows = HORIZONS.map((horizon): VerificationRow => {
    const h = byH.get(horizon);
    const n = h && typeof h.n === 'number' && Number.isFinite(h.n) && h.n > 0 ? Math.floor(h.n) : 0;
    const recent = h && Array.isArray(h.recent) ? h.recent.map(parseCase).filter((c): c is VerificationCase => c !== null).slice(0, 10) : [];
    return {
      horizon,
      n,
      mae: n > 0 ? num(h?.mae) : null,
      coverage: n > 0 ? share(h?.coverage_p10_p90) : null,
      heldout: share(h?.coverage_heldout),
      recent,
    };
  });
  return {
    stored: num(r.forecasts_stored) ?? 0,
    total: rows.reduce((s, x) => s + x.n, 0),
    rows,
    note: typeof r.note === 'string' ? r.note : '',
  };
}

/** Whether the observed value fell inside [P10, P90]; null when any of them is missing. */
export function insideBand(c: VerificationCase): boolean | null {
  if (c.observed === null || c.p10 === null || c.p90 === null) return null;
  return c.observed >= Math.min(c.p10, c.p90) && c.observed <= Math.max(c.p10, c.p90);
}

/** A share 0..1 as a whole percentage ("78 %"); "—" without one. */
export function formatShare(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100)} %` : '—';
}

/** A difference (error, spread) in the display unit: the conversion's scale without its offset. */
export function convertDifference(v: number | null | undefined, c: UnitConversion | null): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return c ? Math.abs(c.convert(v) - c.convert(0)) : v;
}
