// The India station catalogue and the river / district / state summaries. Pure; unit tested.
import type { AreaKind, AreaSummary, Station, StationMetadata } from '../platform/types';

/** Search box debounce. */
export const CATALOGUE_DEBOUNCE_MS = 250;
/** Rows asked per search (the reply's `total` says how many match). */
export const CATALOGUE_LIMIT = 200;

export const AREA_KINDS: readonly AreaKind[] = ['river', 'district', 'state'];

/** `#/river/<name>`, `#/district/<name>`, `#/state/<name>`. */
export function areaHref(kind: AreaKind, name: string): string {
  return `#/${kind}/${encodeURIComponent(name)}`;
}

export function stationHref(id: string): string {
  return `#/station/${encodeURIComponent(id)}`;
}

/** The area's name as the reply gives it (under its kind's key), else `fallback`. */
export function areaName(r: AreaSummary | null, kind: AreaKind, fallback: string): string {
  const v = r?.[kind];
  return typeof v === 'string' && v ? v : fallback;
}

export type AreaStatus = 'ok' | 'warning' | 'critical' | 'offline' | 'no_data';
export const AREA_STATUSES: readonly AreaStatus[] = ['critical', 'warning', 'ok', 'offline', 'no_data'];

/** A station's status as the hub counts it: offline beats the alert level; no summary = no data. */
export function areaStatus(s: Station | null | undefined): AreaStatus {
  if (!s) return 'no_data';
  if (s.online === false) return 'offline';
  if (s.alert_level === 'critical') return 'critical';
  if (s.alert_level === 'warning') return 'warning';
  return 'ok';
}

export interface AreaRow {
  id: string;
  name: string;
  district: string | null;
  river: string | null;
  status: AreaStatus;
  wqi: number | null;
  last_update: string | null;
  /** Has live data: links to the station view. */
  live: boolean;
}

const RANK: Record<AreaStatus, number> = { critical: 0, warning: 1, ok: 2, offline: 3, no_data: 4 };

/** The summary's stations, worst status first, then by name. */
export function areaRows(r: AreaSummary | null): AreaRow[] {
  if (!r || !Array.isArray(r.stations)) return [];
  return r.stations
    .map(({ metadata, station }): AreaRow => {
      const m: Partial<StationMetadata> = metadata ?? {};
      return {
        id: station?.id ?? m.id ?? '',
        name: m.name || station?.name || m.id || station?.id || '',
        district: m.district ?? null,
        river: m.river ?? null,
        status: areaStatus(station),
        wqi: typeof station?.wqi === 'number' ? station.wqi : null,
        last_update: station?.last_update ?? null,
        live: !!station,
      };
    })
    .sort((a, b) => RANK[a.status] - RANK[b.status] || a.name.localeCompare(b.name));
}
