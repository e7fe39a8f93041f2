// Time ranges of the station view's charts (pure; unit tested). 24 h shows the raw readings and is
// extended live; the longer ranges ask `GET /api/stations/{id}/series?resolution=auto` for
// hourly or daily means with their min–max.
import type { SeriesResolution } from '../platform/types';

export const RANGES = ['24h', '7d', '30d', '1y', '5y'] as const;
export type RangeKey = (typeof RANGES)[number];
export const DEFAULT_RANGE: RangeKey = '24h';

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/** Length of each range in seconds (a year is 365 days, five years 5 × 365 + 1 leap day). */
export const RANGE_SECONDS: Record<RangeKey, number> = {
  '24h': DAY_S,
  '7d': 7 * DAY_S,
  '30d': 30 * DAY_S,
  '1y': 365 * DAY_S,
  '5y': (5 * 365 + 1) * DAY_S,
};

/** The hub's `auto` rule (PROTOCOL): raw for ≤ 2 days, hourly for ≤ 60 days, daily beyond. */
export const AUTO_RAW_MAX_S = 2 * DAY_S;
export const AUTO_HOUR_MAX_S = 60 * DAY_S;

export function isRangeKey(v: unknown): v is RangeKey {
  return typeof v === 'string' && (RANGES as readonly string[]).includes(v);
}

/** True for the range that shows raw readings and takes live updates (24 h). */
export function isLiveRange(r: RangeKey): boolean {
  return r === '24h';
}

/** The window `[now − length, now]` of a range, as RFC 3339 strings (what the requests send). */
export function rangeWindow(r: RangeKey, nowMs: number): { from: string; to: string } {
  return { from: new Date(nowMs - RANGE_SECONDS[r] * 1000).toISOString(), to: new Date(nowMs).toISOString() };
}

/** The resolution `auto` gives for a window of `seconds` (the hub decides; this mirrors its rule). */
export function autoResolution(seconds: number): SeriesResolution {
  if (seconds <= AUTO_RAW_MAX_S) return 'raw';
  if (seconds <= AUTO_HOUR_MAX_S) return 'hour';
  return 'day';
}

/** What a range is expected to show: 24 h raw, 7 d and 30 d hourly, 1 y and 5 y daily means. */
export function expectedResolution(r: RangeKey): SeriesResolution {
  return autoResolution(RANGE_SECONDS[r]);
}

/** The resolution the hub answered, normalised (an unknown string is treated as raw: no band). */
export function asResolution(v: unknown): SeriesResolution {
  return v === 'hour' || v === 'day' ? v : 'raw';
}
