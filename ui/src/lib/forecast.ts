// Forecast panel logic (pure; unit tested): validating a forecast reply, assembling the uPlot
// columns (observed daily means followed by the P10/P50/P90 forecast), the x window of a
// horizon, and deciding which of two forecasts is newer.
import type { ForecastPoint, ForecastReply, HubMessage } from '../platform/types';

/** Parameters the hub has forecast models for, in display order. */
export const FORECAST_PARAMETERS = ['dissolved_oxygen', 'temperature', 'chla'] as const;

export const HORIZONS = [7, 30, 90] as const;
export type Horizon = (typeof HORIZONS)[number];
export const DEFAULT_HORIZON: Horizon = 30;

/** When the hub has no forecast (yet), the panel asks again this often while it is open. */
export const FORECAST_RETRY_MS = 30_000;

export const DAY_S = 86_400;

/** `YYYY-MM-DD` → unix seconds at 00:00 UTC; NaN when it is not a valid calendar date. */
export function dayToUnix(ymd: unknown): number {
  if (typeof ymd !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return NaN;
  const ms = Date.parse(`${ymd}T00:00:00Z`);
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== ymd) return NaN;
  return ms / 1000;
}

/** The forecastable parameters among `stationParams`, in FORECAST_PARAMETERS order. */
export function forecastParameters(stationParams: Iterable<string>): string[] {
  const have = new Set(stationParams);
  return FORECAST_PARAMETERS.filter((p) => have.has(p));
}

export function isHorizon(v: unknown): v is Horizon {
  return (HORIZONS as readonly unknown[]).includes(v);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks and normalises a forecast object (REST reply, Tauri reply or `prediction_update.forecast`).
 * Null unless it names a parameter and has at least one usable point. Points are sorted by horizon,
 * observed days by date; entries with a bad date or horizon are dropped, non-finite values become null.
 */
export function parseForecast(v: unknown): ForecastReply | null {
  if (!isObj(v) || typeof v.parameter !== 'string' || !v.parameter || !Array.isArray(v.points)) return null;
  const points: ForecastPoint[] = [];
  for (const p of v.points) {
    if (!isObj(p)) continue;
    const h = num(p.h);
    if (h === null || !Number.isInteger(h) || h < 1 || Number.isNaN(dayToUnix(p.date))) continue;
    points.push({ h, date: p.date as string, p10: num(p.p10), p50: num(p.p50), p90: num(p.p90) });
  }
  points.sort((a, b) => a.h - b.h);
  if (!points.some((p) => p.p50 !== null || p.p10 !== null || p.p90 !== null)) return null;
  const observed: { date: string; v: number | null }[] = [];
  for (const o of Array.isArray(v.observed) ? v.observed : []) {
    if (!isObj(o) || Number.isNaN(dayToUnix(o.date))) continue;
    observed.push({ date: o.date as string, v: num(o.v) });
  }
  observed.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return {
    station_id: str(v.station_id),
    parameter: v.parameter,
    unit: str(v.unit),
    model: str(v.model),
    model_version: str(v.model_version),
    backend: str(v.backend),
    issued_at: str(v.issued_at),
    origin: str(v.origin),
    climatology: v.climatology === true,
    coverage_note: str(v.coverage_note),
    observed,
    points,
  };
}

/** uPlot columns: [x (unix s), observed, p10, p50, p90]; every column has one entry per x. */
export type ForecastColumns = [number[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]];

/** Series indexes in ForecastColumns (uPlot series 0 is x). */
export const SERIES = { observed: 1, p10: 2, p50: 3, p90: 4 } as const;

/**
 * The union of observed and forecast days in date order. A day that is both observed and forecast
 * (should not happen: forecasts start the day after the origin) keeps both values.
 */
export function forecastColumns(f: ForecastReply): ForecastColumns {
  const rows = new Map<number, [number | null, number | null, number | null, number | null]>();
  const row = (x: number) => {
    let r = rows.get(x);
    if (!r) rows.set(x, (r = [null, null, null, null]));
    return r;
  };
  for (const o of f.observed) {
    const x = dayToUnix(o.date);
    if (!Number.isNaN(x)) row(x)[0] = o.v;
  }
  for (const p of f.points) {
    const x = dayToUnix(p.date);
    if (Number.isNaN(x)) continue;
    const r = row(x);
    r[1] = p.p10;
    r[2] = p.p50;
    r[3] = p.p90;
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  const [obs, p10, p50, p90]: (number | null)[][] = [[], [], [], []];
  for (const x of xs) {
    const r = rows.get(x)!;
    obs.push(r[0]);
    p10.push(r[1]);
    p50.push(r[2]);
    p90.push(r[3]);
  }
  return [xs, obs, p10, p50, p90];
}

/** Origin day in unix seconds: `origin`, else the last observed day, else the day before horizon 1. */
export function originUnix(f: ForecastReply): number {
  const o = dayToUnix(f.origin);
  if (!Number.isNaN(o)) return o;
  const last = f.observed.length ? dayToUnix(f.observed[f.observed.length - 1].date) : NaN;
  if (!Number.isNaN(last)) return last;
  const first = f.points[0];
  return first ? dayToUnix(first.date) - first.h * DAY_S : NaN;
}

/**
 * x range shown for horizon `h`: `h` days of forecast after the origin, and the same number of
 * observed days before it (at least 14, at most what was observed).
 */
export function horizonWindow(f: ForecastReply, h: Horizon): [number, number] {
  const origin = originUnix(f);
  const firstObs = f.observed.length ? dayToUnix(f.observed[0].date) : NaN;
  let min = origin - Math.max(h, 14) * DAY_S;
  if (!Number.isNaN(firstObs)) min = Math.max(min, firstObs);
  else min = origin;
  return [min, origin + h * DAY_S];
}

/** The forecast point at horizon `h` (days after the origin), or null. */
export function quantilesAt(f: ForecastReply, h: number): ForecastPoint | null {
  return f.points.find((p) => p.h === h) ?? null;
}

/** True when `next` should replace `current`: no current one, or `next` was issued no earlier. */
export function isNewer(current: ForecastReply | null | undefined, next: ForecastReply): boolean {
  if (!current) return true;
  const a = Date.parse(current.issued_at);
  const b = Date.parse(next.issued_at);
  if (Number.isNaN(a) || Number.isNaN(b)) return true;
  return b >= a;
}

/**
 * The forecasts a `prediction_update` carries for `stationId`: its `forecast` object and/or the
 * objects of its `forecasts` array (one per parameter). Empty for another station or none.
 * (`predictions.forecasts`, the legacy horizon dict, is not used.)
 */
export function forecastsFromMessage(msg: HubMessage, stationId: string): ForecastReply[] {
  if (msg.type !== 'prediction_update') return [];
  const envelope = msg.station_id === undefined || msg.station_id === null ? '' : String(msg.station_id);
  const raw: unknown[] = [msg.forecast, ...(Array.isArray(msg.forecasts) ? msg.forecasts : [])];
  const out: ForecastReply[] = [];
  for (const r of raw) {
    const f = parseForecast(r);
    if (f && (f.station_id || envelope) === stationId) out.push(f);
  }
  return out;
}
