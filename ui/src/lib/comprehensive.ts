// The unified station view (`GET /api/stations/{id}/comprehensive`): groups, labels, flood status
// and IMD district bulletins. Pure; unit tested.
import type { CompField, ComprehensiveReply, RainfallBulletin } from '../platform/types';
import { hasMessage, t, type MessageKey } from './i18n';

/** Shown groups, in order (the hub's `device` block is the station's own battery, shown above). */
export const COMP_GROUPS = ['water_quality', 'hydrology', 'weather'] as const;
export type CompGroup = (typeof COMP_GROUPS)[number];

export const COMP_GROUP_TITLES: Record<CompGroup, MessageKey> = {
  water_quality: 'comp.group.water_quality',
  hydrology: 'comp.group.hydrology',
  weather: 'comp.group.weather',
};

/** The view refreshes this often while the station is open. */
export const COMP_REFRESH_MS = 60_000;

/** The non-empty groups with their fields (order as the hub sent them). */
export function compGroups(r: ComprehensiveReply | null): { key: CompGroup; fields: CompField[] }[] {
  if (!r) return [];
  return COMP_GROUPS.map((key) => ({ key, fields: Array.isArray(r[key]) ? r[key].filter((f) => f && typeof f.parameter === 'string') : [] })).filter(
    (g) => g.fields.length > 0,
  );
}

/** True when no group has a field and there is neither a flood status nor a bulletin. */
export function isCompEmpty(r: ComprehensiveReply | null): boolean {
  return compGroups(r).length === 0 && !r?.flood && bulletinParts(r).length === 0;
}

/** Which bulletins are present (`rainfall`, `warnings`). */
export function bulletinParts(r: ComprehensiveReply | null): ('rainfall' | 'warnings')[] {
  const b = r?.district_bulletins;
  if (!b) return [];
  const out: ('rainfall' | 'warnings')[] = [];
  if (b.rainfall && typeof b.rainfall === 'object') out.push('rainfall');
  if (b.warnings && Array.isArray(b.warnings.days) && b.warnings.days.length) out.push('warnings');
  return out;
}

/** The parameter's translated name, else the hub's label, else the key. */
export function fieldLabel(f: Pick<CompField, 'parameter' | 'label'>): string {
  const k = `param.${f.parameter}`;
  return hasMessage(k) ? t(k) : f.label || f.parameter;
}

/** "Sensor", "API", "Satellite", "Model estimate"; an unknown kind as it is. */
export function sourceLabel(source: string | null | undefined): string {
  const k = `comp.source.${source}`;
  return source && hasMessage(k) ? t(k) : source || '';
}

/** `above_warning` from this hub, also from an older hub's `AboveWarning`. */
export function floodStatusKey(status: string): string {
  return status.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Translated CWC level status (`normal`, `above_warning`, …). */
export function floodStatusLabel(status: string): string {
  const k = `flood.status.${floodStatusKey(status)}`;
  return hasMessage(k) ? t(k) : status;
}

/** Colour level of a flood status. */
export function floodLevel(status: string): 'ok' | 'warn' | 'crit' | 'off' {
  switch (floodStatusKey(status)) {
    case 'normal':
      return 'ok';
    case 'above_warning':
      return 'warn';
    case 'above_danger':
    case 'above_hfl':
      return 'crit';
    default:
      return 'off';
  }
}

export type RainPeriod = 'daily' | 'weekly' | 'monthly' | 'cumulative';

export interface RainRow {
  period: RainPeriod;
  actual: number | null;
  normal: number | null;
  departure: number | null;
  category: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The rainfall periods that have any value, in order day, week, month, season. */
export function rainfallRows(r: RainfallBulletin | null | undefined): RainRow[] {
  if (!r) return [];
  return (['daily', 'weekly', 'monthly', 'cumulative'] as const)
    .map((period) => ({
      period,
      actual: num(r[`${period}_actual_mm`]),
      normal: num(r[`${period}_normal_mm`]),
      departure: num(r[`${period}_departure_pct`]),
      category: typeof r[`${period}_category`] === 'string' && r[`${period}_category`] ? String(r[`${period}_category`]) : null,
    }))
    .filter((row) => row.actual !== null || row.normal !== null || row.departure !== null || row.category !== null);
}

/** IMD rainfall category code (`LE`, `E`, `N`, `D`, `LD`, `NR`, `ND`) in words; unknown codes as they are. */
export function categoryLabel(code: string | null | undefined): string {
  if (!code) return '';
  const k = `imd.cat.${code.trim().toUpperCase()}`;
  return hasMessage(k) ? t(k) : code;
}

/** The IMD colour of a warning day, or `none`. */
export function warningColour(c: string | null | undefined): 'red' | 'orange' | 'yellow' | 'green' | 'none' {
  return c === 'red' || c === 'orange' || c === 'yellow' || c === 'green' ? c : 'none';
}

/** The calendar day of warning day `index` (0 = the bulletin's date), `YYYY-MM-DD`, or null. */
export function warningDate(date: string | null | undefined, index: number): string | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + index * 86_400_000).toISOString().slice(0, 10);
}
