// Overview filtering and sorting (pure; unit tested).
import type { Station } from '../platform/types';
import { parseTime } from './format';

export const CLASS_FILTERS = ['A', 'B', 'C', 'D', 'E', 'none'] as const;
export type ClassFilter = (typeof CLASS_FILTERS)[number];
export const STATUS_FILTERS = ['ok', 'warning', 'critical', 'offline'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
export const SORT_KEYS = ['name', 'wqi', 'updated', 'alert'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

type Row = Pick<Station, 'id' | 'name' | 'class' | 'wqi' | 'alert_level' | 'last_update' | 'online' | 'expected_interval_s'>;

export function classKey(s: Pick<Station, 'class'>): ClassFilter {
  return s.class ?? 'none';
}

/** Status bucket for filters and the map: `offline` wins over the alert level. */
export function statusOf(s: Pick<Station, 'alert_level' | 'online'>): StatusFilter {
  if (s.online === false) return 'offline';
  return s.alert_level === 'warning' || s.alert_level === 'critical' ? s.alert_level : 'ok';
}

/** Stale: online (or unknown) but the last observation is older than 2× the expected interval. */
export function isStale(s: Pick<Station, 'last_update' | 'expected_interval_s' | 'online'>, nowMs: number): boolean {
  if (s.online === false) return false;
  const iv = s.expected_interval_s;
  if (typeof iv !== 'number' || !(iv > 0)) return false;
  const ts = parseTime(s.last_update);
  if (Number.isNaN(ts)) return true;
  return nowMs - ts > 2 * iv * 1000;
}

/** Empty sets mean "no filter" for that dimension. */
export function applyFilters<T extends Row>(list: T[], classes: ReadonlySet<ClassFilter>, statuses: ReadonlySet<StatusFilter>): T[] {
  if (classes.size === 0 && statuses.size === 0) return list;
  return list.filter((s) => (classes.size === 0 || classes.has(classKey(s))) && (statuses.size === 0 || statuses.has(statusOf(s))));
}

const ALERT_RANK: Record<StatusFilter, number> = { critical: 3, warning: 2, offline: 1, ok: 0 };

function byName(a: Row, b: Row): number {
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/**
 * Returns a new sorted array. Name ascending; WQI, last update and alert level descending
 * (worst/newest first), missing values last, ties by name.
 */
export function sortStations<T extends Row>(list: T[], key: SortKey): T[] {
  const out = [...list];
  const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : -Infinity);
  switch (key) {
    case 'name':
      return out.sort(byName);
    case 'wqi':
      return out.sort((a, b) => num(b.wqi) - num(a.wqi) || byName(a, b));
    case 'updated': {
      const ts = (s: Row) => {
        const t = parseTime(s.last_update);
        return Number.isNaN(t) ? -Infinity : t;
      };
      return out.sort((a, b) => {
        const d = ts(b) - ts(a);
        return (Number.isNaN(d) ? 0 : d) || byName(a, b);
      });
    }
    case 'alert': {
      const rank = (s: Row) => {
        const lvl = ALERT_RANK[s.alert_level === 'warning' || s.alert_level === 'critical' ? s.alert_level : 'ok'];
        return Math.max(lvl, s.online === false ? ALERT_RANK.offline : 0);
      };
      return out.sort((a, b) => rank(b) - rank(a) || byName(a, b));
    }
  }
}
